using System.Text.RegularExpressions;

namespace Serverless.Store.Infra.Tests;

/// <summary>azure.yaml and the README's deploy section name things that exist.</summary>
public class AzdTests
{
    [Fact]
    public void Azure_yaml_deploys_the_functions_project_as_a_dotnet_function_app()
    {
        var services = Project.AzdServices();
        var api = Assert.Single(services);
        Assert.Equal("api", api.Key);
        Assert.Equal("dotnet", api.Value["language"]);
        Assert.Equal("function", api.Value["host"]);
        Assert.True(File.Exists(Path.Combine(Repo.PathOf(api.Value["project"]), "Serverless.Store.Functions.csproj")), "azure.yaml's project is not functions/");
        Assert.Equal(api.Key, Project.FunctionsServiceName);
    }

    [Fact]
    public void The_readme_deploy_section_names_commands_outputs_and_settings_that_exist()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var start = readme.IndexOf("## Deploy to Azure", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no section 'Deploy to Azure'");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        foreach (var text in new[] { "azd up", "az deployment group create", "STORE_TOKEN", "STORE_READONLY_TOKEN", "/api/negotiate", "docs/deploy.md" })
            Assert.Contains(text, section);

        var outputs = Bicep.MainTemplate()["outputs"]!.AsObject().Select(p => p.Key).ToHashSet();
        var deployDoc = File.ReadAllText(Repo.PathOf("docs", "deploy.md"));
        foreach (var text in new[] { section, deployDoc })
            foreach (Match named in Regex.Matches(text, @"\b(STORE_[A-Z_]*URL|AZURE_(?!ENV_NAME)[A-Z_]+_NAME)\b"))
                Assert.True(outputs.Contains(named.Value), $"the docs name {named.Value}, which is no output of infra/main.bicep");
        foreach (Match file in Regex.Matches(section + deployDoc, @"\binfra/[\w./-]+\.(bicep|bicepparam|json)\b"))
            Assert.True(File.Exists(Repo.PathOf(file.Value)), $"the docs name {file.Value}, which does not exist");
    }

    [Fact]
    public void Docs_deploy_md_explains_every_app_setting_the_template_sets()
    {
        var doc = File.ReadAllText(Repo.PathOf("docs", "deploy.md"));
        var arm = new ArmTemplate(Bicep.MainTemplate());
        foreach (var (name, _) in arm.OfType("Microsoft.Web/sites/config").Single().Json["properties"]!.AsObject())
            Assert.True(doc.Contains($"`{name}`"), $"docs/deploy.md does not explain the app setting `{name}`");
    }
}

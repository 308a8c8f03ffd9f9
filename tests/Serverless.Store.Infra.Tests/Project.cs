using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Serverless.Store.Infra.Tests;

/// <summary>What the deployment must match, read from the repository: settings, host.json, azure.yaml.</summary>
static class Project
{
    public static JsonObject HostJson => Repo.Json(Repo.PathOf("host.json")).AsObject();

    static JsonObject SampleValues => Repo.Json(Repo.PathOf("local.settings.sample.json"))["Values"]!.AsObject();

    public static IReadOnlyCollection<string> SampleSettingNames => SampleValues.Select(p => p.Key).ToList();

    /// <summary>The worker runtime the app is built for, as the sample settings name it.</summary>
    public static string WorkerRuntime => (string)SampleValues["FUNCTIONS_WORKER_RUNTIME"]!;

    /// <summary>"10.0" from Directory.Build.props' net10.0: the .NET version every project targets.</summary>
    public static string DotnetVersion
    {
        get
        {
            var framework = XDocument.Load(Repo.PathOf("Directory.Build.props")).Descendants("TargetFramework").Single().Value;
            return Regex.Match(framework, @"^net(\d+\.\d+)$").Groups[1].Value;
        }
    }

    public static string DurableConnection => (string)HostJson["extensions"]!["durableTask"]!["storageProvider"]!["connectionName"]!;

    public static string RoutePrefix => (string)HostJson["extensions"]!["http"]!["routePrefix"]!;

    /// <summary>
    /// azure.yaml's services as name -> (key -> value). A regex over a flat two-level file, because the
    /// file is tiny and fixed in shape and no YAML parser is otherwise needed by the repository.
    /// </summary>
    public static Dictionary<string, Dictionary<string, string>> AzdServices()
    {
        var services = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        var inServices = false;
        foreach (var raw in File.ReadAllLines(Repo.PathOf("azure.yaml")))
        {
            var line = Regex.Replace(raw, @"\s+#.*$", "");
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0) continue;
            if (!char.IsWhiteSpace(line[0])) { inServices = line.TrimEnd() == "services:"; current = null; continue; }
            if (!inServices) continue;
            var service = Regex.Match(line, @"^  ([A-Za-z0-9_-]+):\s*$");
            if (service.Success) { services[service.Groups[1].Value] = current = []; continue; }
            var property = Regex.Match(line, @"^    ([A-Za-z]+):\s*(.+?)\s*$");
            if (property.Success && current is not null) current[property.Groups[1].Value] = property.Groups[2].Value.Trim('"', '\'');
        }
        return services;
    }

    /// <summary>The service azd deploys the Functions app as (the one whose project is functions/).</summary>
    public static string FunctionsServiceName =>
        AzdServices().Single(s => Path.GetFullPath(Repo.PathOf(s.Value["project"])).TrimEnd('/') == Repo.PathOf("functions")).Key;

    public static DeploymentRules Rules => new(SampleSettingNames, DurableConnection, RoutePrefix, FunctionsServiceName, WorkerRuntime, DotnetVersion);
}

using System.Reflection;
using System.Text.Json.Nodes;

namespace Serverless.Store.Functions.Tests;

/// <summary>Paths in the repository and in the Functions app's build output.</summary>
static class Repo
{
    public static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.Store.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Serverless.Store.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The Functions app's build output, built in the same configuration as these tests.</summary>
    public static string FunctionsOutput
    {
        get
        {
            var configuration = typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            return PathOf("functions", "bin", configuration, "net10.0");
        }
    }

    public static JsonNode Json(string path) =>
        JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Disallow })
        ?? throw new InvalidOperationException(path + " is empty");
}

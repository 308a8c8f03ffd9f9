using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Serverless.Store.Api;
using Serverless.Store.Http;

namespace Serverless.Store.Functions.Tests;

/// <summary>host.json, local.settings.sample.json and the README's Core Tools steps: valid, and
/// naming exactly what the code reads.</summary>
public class SettingsTests
{
    static JsonObject Host => Repo.Json(Repo.PathOf("host.json")).AsObject();
    static JsonObject SampleValues => Repo.Json(Repo.PathOf("local.settings.sample.json"))["Values"]!.AsObject();

    /// <summary>The app settings the store reads, recorded from the code that reads them.</summary>
    static List<string> SettingsTheCodeReads()
    {
        var read = new List<string>();
        AccessPolicy.FromSettings(name => { read.Add(name); return null; });
        read.Add(Serverless.Store.Functions.SweepFunctions.ScheduleSetting); // the TTL sweep timer's %setting%
        read.Add(Serverless.Store.Functions.CleanupFunctions.ScheduleSetting); // the entity cleanup timer's %setting%
        // Pub/sub: the Functions app has no in-process hub; a connection string makes the hub read everything.
        Serverless.Store.PubSub.PubSubHub.FromSettings(name =>
        {
            read.Add(name);
            return name == Serverless.Store.PubSub.SignalRConnectionString.Setting ? "Endpoint=http://localhost;AccessKey=sample-key-sample-key-sample-key-0000;Version=1.0;" : null;
        }, inProcess: null);
        Serverless.Store.Keyspace.KeyspaceNotifications.Current = Serverless.Store.Keyspace.KeyspaceNotifications.Off;
        Serverless.Store.Functions.SnapshotStorage.FromSettings(name => { read.Add(name); return null; }); // snapshot container, retention
        read.Add(Serverless.Store.Persistence.SnapshotOptions.ScheduleSetting); // the snapshot timer's %setting%
        return read;
    }

    /// <summary>Set by Azure on every app it runs; never in local settings (it turns on the "in Azure" rule).</summary>
    static readonly string[] SetByAzure =
    [
        AccessPolicy.AzureSiteSetting,
        // The identity-based form of AzureWebJobsStorage, set by infra/ in Azure (shared keys are off
        // there); a local run uses the connection string instead, so these stay out of local settings.
        Serverless.Store.Functions.SnapshotStorage.BlobServiceUriSetting,
        Serverless.Store.Functions.SnapshotStorage.CredentialSetting,
        Serverless.Store.Functions.SnapshotStorage.ClientIdSetting,
    ];

    [Fact]
    public void Host_json_is_a_version_2_host_with_the_store_settings()
    {
        var host = Host;
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal(StoreRoutes.RoutePrefix, (string?)host["extensions"]!["http"]!["routePrefix"]);
        var durable = host["extensions"]!["durableTask"]!;
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,49}$", (string?)durable["hubName"]); // Azure Storage task hub name rules
        Assert.False((bool)durable["extendedSessionsEnabled"]!);
        Assert.InRange((int)durable["maxEntityOperationBatchSize"]!, 1, 5000);
        var storage = durable["storageProvider"]!;
        Assert.InRange((int)storage["partitionCount"]!, 1, 16);
        var polling = TimeSpan.Parse((string)storage["maxQueuePollingInterval"]!);
        Assert.InRange(polling, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        // Distributed tracing decided, not left to the host's start-up hint: off (docs/functions.md says why).
        var tracing = durable["tracing"]!;
        Assert.False((bool)tracing["distributedTracingEnabled"]!);
        Assert.Equal("None", (string?)tracing["Version"]);
    }

    [Fact]
    public void Every_non_default_host_setting_has_a_reason_in_docs()
    {
        var doc = File.ReadAllText(Repo.PathOf("docs", "functions.md"));
        foreach (var name in new[] { "routePrefix", "hubName", "extendedSessionsEnabled", "maxEntityOperationBatchSize", "partitionCount", "maxQueuePollingInterval", "distributedTracingEnabled", "DurableTask.AzureStorage", "DurableTask.Core" })
            Assert.True(Regex.IsMatch(doc, @"`([^`\s]*\.)?" + Regex.Escape(name) + "`"), $"docs/functions.md does not explain `{name}`");
    }

    [Fact]
    public void The_sample_settings_hold_every_setting_the_code_and_host_json_read()
    {
        var values = SampleValues;
        Assert.Equal("UseDevelopmentStorage=true", (string?)values["AzureWebJobsStorage"]);
        Assert.Equal("dotnet-isolated", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.True(values.ContainsKey("AzureSignalRConnectionString"));
        var read = SettingsTheCodeReads();
        Assert.Contains(AccessPolicy.TokenSetting, read);
        foreach (var name in read.Except(SetByAzure))
            Assert.True(values.ContainsKey(name), $"local.settings.sample.json has no {name}, which the code reads");
        foreach (var name in SetByAzure) Assert.False(values.ContainsKey(name), $"{name} is for Azure only; local settings must not hold it");
        var connection = (string)Host["extensions"]!["durableTask"]!["storageProvider"]!["connectionName"]!;
        Assert.True(values.ContainsKey(connection), $"host.json's connectionName {connection} is not in the sample settings");
    }

    [Fact]
    public void The_sample_settings_are_not_copied_as_real_settings_into_git()
    {
        Assert.Contains("/functions/local.settings.json", File.ReadAllLines(Repo.PathOf(".gitignore")));
    }

    [Fact]
    public void The_readme_core_tools_steps_name_paths_and_settings_that_exist()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var start = readme.IndexOf("## Run on Azure Functions locally", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no section 'Run on Azure Functions locally'");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];

        var copy = Regex.Match(section, @"cp (\S+) (\S+)");
        Assert.True(copy.Success, "no cp step");
        Assert.True(File.Exists(Repo.PathOf(copy.Groups[1].Value)), copy.Groups[1].Value);
        Assert.Equal("functions/local.settings.json", copy.Groups[2].Value);
        var cd = Regex.Match(section, @"cd (\S+) && func start");
        Assert.True(cd.Success, "no 'cd <dir> && func start' step");
        Assert.True(File.Exists(Repo.PathOf(cd.Groups[1].Value, "Serverless.Store.Functions.csproj")), "func start must run in the app's project folder");
        Assert.Contains("http://localhost:7071" + StoreRoutes.BasePath, section);
        foreach (var name in SettingsTheCodeReads().Except(SetByAzure)) Assert.Contains(name, section);
    }

    [Fact]
    public void The_readme_says_how_to_run_the_signalr_service_the_sample_settings_point_at()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));
        var start = readme.IndexOf("## Run on Azure Functions locally", StringComparison.Ordinal);
        var section = readme[start..readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal)];
        // The sample points pub/sub at Microsoft's local emulator: the steps must start it, with its
        // upstream on the app's SignalR route (the one the store serves), and say what happens without it.
        var sample = Serverless.Store.PubSub.SignalRConnectionString.Parse((string)SampleValues[Serverless.Store.PubSub.SignalRConnectionString.Setting]!);
        Assert.Equal("http://localhost:8888", sample.BaseUrl);
        Assert.Contains("Microsoft.Azure.SignalR.Emulator", section);
        Assert.Contains("asrs-emulator start", section);
        var upstream = Regex.Match(section, @"http://localhost:7071/api/(_signalr/\{hub\}/\{category\}/\{event\})");
        Assert.True(upstream.Success, "the emulator's upstream UrlTemplate is not in the README");
        Assert.True(PubSubEndpoints.Serves(upstream.Groups[1].Value), "the README's upstream route is not one the store serves");
        Assert.Contains("Without the emulator", section);
    }
}

using System.Text.Json.Nodes;
using Serverless.Store.Durable;
using Serverless.Store.Http;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// What the Functions host will see: the functions.metadata and extensions.json the Worker SDK
/// generated when it built the app. The host registers exactly these functions and bindings.
/// </summary>
public class MetadataTests
{
    static JsonArray Functions => Repo.Json(Path.Combine(Repo.FunctionsOutput, "functions.metadata")).AsArray();

    static JsonObject Function(string name) =>
        Functions.Select(f => f!.AsObject()).SingleOrDefault(f => (string?)f["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"no function '{name}' in functions.metadata");

    static IEnumerable<JsonObject> Bindings(JsonObject function) => function["bindings"]!.AsArray().Select(b => b!.AsObject());

    static IEnumerable<JsonObject> BindingsOfType(string type) =>
        Functions.SelectMany(f => Bindings(f!.AsObject())).Where(b => (string?)b["type"] == type);

    [Fact]
    public void Every_rest_route_is_an_anonymous_http_trigger_with_a_durable_client()
    {
        var triggers = Functions.Select(f => f!.AsObject())
            .Where(f => Bindings(f).Any(b => (string?)b["type"] == "httpTrigger")).ToList();
        var trigger = Assert.Single(triggers); // one catch-all route serves the base and everything below
        var http = Bindings(trigger).Single(b => (string?)b["type"] == "httpTrigger");
        Assert.Equal(StoreRoutes.Route, (string?)http["route"]);
        Assert.Equal("Anonymous", (string?)http["authLevel"]);
        Assert.Null(http["methods"]); // every method: the router answers 405 itself, as on the standalone host
        Assert.Contains(Bindings(trigger), b => (string?)b["type"] == "durableClient" && (string?)b["direction"] == "In");
        Assert.Contains(Bindings(trigger), b => (string?)b["type"] == "http" && (string?)b["direction"] == "Out");
        Assert.Equal("Serverless.Store.Functions.RestFunctions.Rest", (string?)trigger["entryPoint"]);
    }

    [Fact]
    public void Each_entity_has_one_entity_trigger_named_after_the_entity()
    {
        var entityFunctions = Functions.Select(f => f!.AsObject())
            .Where(f => Bindings(f).Any(b => (string?)b["type"] == "entityTrigger")).ToList();
        Assert.Equal([ExpiryIndex.Name, KeyEntity.Name, Serverless.Store.PubSub.SubscriptionRegistry.Name, CatalogEntity.Name],
            entityFunctions.Select(f => (string?)f["name"]).Order());
        Assert.Equal(4, BindingsOfType("entityTrigger").Count());
    }

    [Fact]
    public void The_ttl_sweep_is_a_timer_on_the_schedule_setting_with_a_durable_client()
    {
        var sweep = Function(Serverless.Store.Functions.SweepFunctions.Name);
        var timer = Assert.Single(Bindings(sweep), b => (string?)b["type"] == "timerTrigger");
        Assert.Equal("%" + Serverless.Store.Functions.SweepFunctions.ScheduleSetting + "%", (string?)timer["schedule"]);
        Assert.Contains(Bindings(sweep), b => (string?)b["type"] == "durableClient");
    }

    [Fact]
    public void The_subscription_registry_sweep_is_a_timer_on_the_ttl_sweep_schedule_with_a_durable_client()
    {
        var sweep = Function(Serverless.Store.Functions.SubscriptionSweepFunctions.Name);
        var timer = Assert.Single(Bindings(sweep), b => (string?)b["type"] == "timerTrigger");
        Assert.Equal("%" + Serverless.Store.Functions.SweepFunctions.ScheduleSetting + "%", (string?)timer["schedule"]);
        Assert.Contains(Bindings(sweep), b => (string?)b["type"] == "durableClient");
    }

    [Fact]
    public void The_entity_storage_cleanup_is_a_timer_on_its_schedule_setting_with_a_durable_client()
    {
        var cleanup = Function(Serverless.Store.Functions.CleanupFunctions.Name);
        var timer = Assert.Single(Bindings(cleanup), b => (string?)b["type"] == "timerTrigger");
        Assert.Equal("%" + Serverless.Store.Functions.CleanupFunctions.ScheduleSetting + "%", (string?)timer["schedule"]);
        Assert.Contains(Bindings(cleanup), b => (string?)b["type"] == "durableClient");
    }

    [Fact]
    public void Every_orchestration_class_has_one_orchestration_trigger_named_as_the_store_schedules_it()
    {
        // Every TaskOrchestrator in entities/ (found by reflection, so a new one cannot be forgotten).
        // The store runs none today (multi-key work goes through the key entities), so the host must
        // list none either; one added later needs its trigger.
        var expected = typeof(KeyEntity).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && IsOrchestrator(t))
            .Select(t => (string)t.GetField("Name")!.GetRawConstantValue()!)
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        var actual = Functions.Select(f => f!.AsObject())
            .Where(f => Bindings(f).Any(b => (string?)b["type"] == "orchestrationTrigger"))
            .Select(f => (string)f["name"]!).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Count, BindingsOfType("orchestrationTrigger").Count());
        Assert.Contains(Functions, f => Bindings(f!.AsObject()).Any(b => (string?)b["type"] == "entityTrigger")); // the bindings were read
    }

    static bool IsOrchestrator(Type t) => typeof(Microsoft.DurableTask.ITaskOrchestrator).IsAssignableFrom(t);

    [Fact]
    public void Function_names_are_unique_and_every_entry_point_exists()
    {
        var names = Functions.Select(f => (string)f!["name"]!).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var assembly = typeof(RestFunctions).Assembly;
        foreach (var f in Functions)
        {
            var entry = (string)f!["entryPoint"]!;
            var dot = entry.LastIndexOf('.');
            var type = assembly.GetType(entry[..dot]);
            Assert.True(type?.GetMethod(entry[(dot + 1)..]) is not null, $"entry point {entry} not found");
            Assert.Equal("Serverless.Store.Functions.dll", (string?)f["scriptFile"]);
        }
    }

    [Fact]
    public void Extensions_json_lists_the_durable_task_extension()
    {
        var extensions = Repo.Json(Path.Combine(Repo.FunctionsOutput, "extensions.json"))["extensions"]!.AsArray();
        var durable = extensions.Select(e => e!.AsObject()).SingleOrDefault(e => (string?)e["name"] == "DurableTask");
        Assert.NotNull(durable);
        Assert.StartsWith("Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableTaskWebJobsStartup, Microsoft.Azure.WebJobs.Extensions.DurableTask,", (string?)durable["typeName"]);
        // The host loads it from the output: the generated WorkerExtensions build must have put it there.
        var hint = (string)durable["hintPath"]!;
        Assert.True(File.Exists(Path.Combine(Repo.FunctionsOutput, hint)), $"{hint} missing from the build output");
    }

    [Fact]
    public void Extensions_json_lists_the_stores_host_extension_after_the_durable_task_extension()
    {
        var extensions = Repo.Json(Path.Combine(Repo.FunctionsOutput, "extensions.json"))["extensions"]!.AsArray()
            .Select(e => e!.AsObject()).ToList();
        var durable = extensions.FindIndex(e => (string?)e["name"] == "DurableTask");
        var store = extensions.FindIndex(e => ((string?)e["typeName"])?.StartsWith(
            typeof(Serverless.Store.FunctionsHost.StoreHostStartup).FullName + ", Serverless.Store.FunctionsHost,") == true);
        Assert.True(store > durable && durable >= 0, $"the store's extension at {store}, the Durable Task extension at {durable}");
        // It wraps what the Durable Task extension registered, so its startup must run after that one's.
        var hint = (string)extensions[store]["hintPath"]!;
        Assert.Equal("./.azurefunctions/Serverless.Store.FunctionsHost.dll", hint);
        Assert.True(File.Exists(Path.Combine(Repo.FunctionsOutput, hint)), $"{hint} missing from the build output");
    }

    [Fact]
    public void Host_json_is_copied_to_the_build_output_unchanged()
    {
        Assert.Equal(File.ReadAllText(Repo.PathOf("host.json")), File.ReadAllText(Path.Combine(Repo.FunctionsOutput, "host.json")));
        Assert.True(File.Exists(Path.Combine(Repo.FunctionsOutput, "worker.config.json")));
    }
}

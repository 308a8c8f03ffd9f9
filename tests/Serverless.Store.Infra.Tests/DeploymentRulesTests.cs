using System.Text.Json.Nodes;

namespace Serverless.Store.Infra.Tests;

/// <summary>
/// The compiled template gives the store what it needs (DeploymentRules), and each rule catches a
/// template that breaks it: every mutation below must be reported.
/// </summary>
public class DeploymentRulesTests
{
    [Fact]
    public void The_template_gives_the_store_everything_it_needs()
    {
        var problems = Project.Rules.Check(Bicep.MainTemplate());
        Assert.True(problems.Count == 0, "infra/main.bicep:\n" + string.Join("\n", problems));
    }

    public static TheoryData<string> MutationNames => new(Mutations.Keys);

    [Theory]
    [MemberData(nameof(MutationNames))]
    public void A_template_that_breaks_a_rule_is_caught(string mutation)
    {
        var template = Bicep.MainTemplate();
        var (change, expected) = Mutations[mutation];
        change(new ArmTemplate(template));
        var problems = Project.Rules.Check(template);
        Assert.True(problems.Any(p => p.Contains(expected)), $"after '{mutation}' expected a problem containing \"{expected}\"; got:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_durable_task_hub_on_another_connection_needs_identity_settings_of_its_own()
    {
        var rules = Project.Rules with { DurableConnection = "DurableStorage" };
        var problems = rules.Check(Bicep.MainTemplate());
        Assert.Contains(problems, p => p.StartsWith("DurableStorage__credential"));
        Assert.Contains(problems, p => p.StartsWith("DurableStorage__queueServiceUri"));
    }

    [Fact]
    public void The_runtime_expected_is_the_one_the_app_is_built_for()
    {
        Assert.Equal("dotnet-isolated", Project.WorkerRuntime);
        Assert.Equal("10.0", Project.DotnetVersion);
        var problems = (Project.Rules with { RuntimeVersion = "11.0" }).Check(Bicep.MainTemplate());
        Assert.Contains(problems, p => p.Contains("not dotnet-isolated 11.0"));
    }

    [Fact]
    public void The_lists_of_local_only_and_platform_settings_are_current()
    {
        var sample = Project.SampleSettingNames;
        foreach (var name in DeploymentRules.LocalOnly.Keys) Assert.Contains(name, sample);
        foreach (var name in DeploymentRules.ReadByThePlatform.Keys) Assert.DoesNotContain(name, sample);
    }

    static JsonObject Settings(ArmTemplate arm) => arm.OfType("Microsoft.Web/sites/config").Single().Json["properties"]!.AsObject();
    static JsonObject Site(ArmTemplate arm) => arm.OfType("Microsoft.Web/sites").Single().Json;
    static JsonObject Scale(ArmTemplate arm) => Site(arm)["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!.AsObject();
    static JsonObject SignalR(ArmTemplate arm) => arm.OfType("Microsoft.SignalRService/signalR").Single().Json;
    static JsonObject Upstream(ArmTemplate arm) => SignalR(arm)["properties"]!["upstream"]!["templates"]![0]!.AsObject();

    static ArmResource Role(ArmTemplate arm, string role) =>
        arm.OfType("Microsoft.Authorization/roleAssignments").Single(r => ((string)r.Json["properties"]!["roleDefinitionId"]!).Contains(role));

    static void Remove(ArmResource resource)
    {
        var list = resource.Scope.Template["resources"]!.AsArray();
        list.Remove(list.First(n => ReferenceEquals(n, resource.Json)));
    }

    static readonly Dictionary<string, (Action<ArmTemplate> Change, string Expected)> Mutations = new()
    {
        ["runtime .NET 8"] = (arm => Site(arm)["properties"]!["functionAppConfig"]!["runtime"]!["version"] = "8.0", "not dotnet-isolated 10.0"),
        ["Consumption plan"] = (arm => arm.OfType("Microsoft.Web/serverfarms").Single().Json["sku"] = new JsonObject { ["name"] = "Y1", ["tier"] = "Dynamic" }, "not FC1 FlexConsumption"),
        ["always ready by default"] = (arm => arm.Root["parameters"]![DeploymentRules.AlwaysReadyParameter]!["defaultValue"] = 1, "not 0 by default"),
        ["always ready for HTTP only"] = (arm => Scale(arm)["copy"]![0]!["input"]!["name"] = "[if(greater(parameters('alwaysReadyInstances'), 0), createArray('http'), createArray())[copyIndex('alwaysReady')]]", "'durable' function groups"),
        ["system-assigned identity"] = (arm => Site(arm)["identity"] = new JsonObject { ["type"] = "SystemAssigned" }, "not UserAssigned"),
        ["no azd service tag"] = (arm => Site(arm)["tags"] = "[parameters('tags')]", "azd-service-name"),
        ["shared keys on"] = (arm => arm.OfType("Microsoft.Storage/storageAccounts").Single().Json["properties"]!["allowSharedKeyAccess"] = true, "allows shared key access"),
        ["no snapshots container"] = (arm => Remove(arm.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Single(c => c.Name.Contains("snapshots"))), "no blob container 'snapshots'"),
        ["runtime storage without credential"] = (arm => Settings(arm).Remove("AzureWebJobsStorage__credential"), "AzureWebJobsStorage__credential"),
        ["no queue endpoint for the task hub"] = (arm => Settings(arm).Remove("AzureWebJobsStorage__queueServiceUri"), "AzureWebJobsStorage__queueServiceUri"),
        ["clientId of something else"] = (arm => Settings(arm)["AzureWebJobsStorage__clientId"] = "[parameters('functionAppName')]", "AzureWebJobsStorage__clientId"),
        ["STORE_TOKEN missing"] = (arm => Settings(arm).Remove("STORE_TOKEN"), "STORE_TOKEN is missing"),
        ["SignalRHub missing"] = (arm => Settings(arm).Remove("SignalRHub"), "SignalRHub is missing"),
        ["SnapshotRetention missing"] = (arm => Settings(arm).Remove("SnapshotRetention"), "SnapshotRetention is missing"),
        ["FUNCTIONS_WORKER_RUNTIME set"] = (arm => Settings(arm)["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated", "FUNCTIONS_WORKER_RUNTIME must not be set"),
        ["a setting nothing reads"] = (arm => Settings(arm)["CacheSizeMb"] = "64", "CacheSizeMb is set but nothing reads it"),
        ["token in plain text"] = (arm => Settings(arm)["STORE_TOKEN"] = "s3cret-in-the-template", "STORE_TOKEN is not a secure parameter"),
        ["SignalR in Default mode"] = (arm => SignalR(arm)["properties"]!["features"]![0]!["value"] = "Default", "not Serverless"),
        ["upstream without disconnected"] = (arm => Upstream(arm)["eventPattern"] = "connected", "'disconnected'"),
        ["upstream on another path"] = (arm => Upstream(arm)["urlTemplate"] = ((string)Upstream(arm)["urlTemplate"]!).Replace("_signalr", "signalr"), "upstream URL"),
        ["upstream for another hub"] = (arm => Upstream(arm)["hubPattern"] = "chat", "no SignalR upstream template"),
        ["SignalR key not from the resource"] = (arm => Settings(arm)["AzureSignalRConnectionString"] = "[parameters('signalRName')]", "AzureSignalRConnectionString"),
        ["no queue role"] = (arm => Remove(Role(arm, DeploymentRules.StorageQueueDataContributor)), "Storage Queue Data Contributor"),
        ["no table role"] = (arm => Remove(Role(arm, DeploymentRules.StorageTableDataContributor)), "Storage Table Data Contributor"),
        ["blob role to someone else"] = (arm => Role(arm, DeploymentRules.StorageBlobDataOwner).Json["properties"]!["principalId"] = "[parameters('userPrincipalId')]", "Storage Blob Data Owner"),
        ["secret in an output"] = (arm => arm.Root["outputs"]!["SIGNALR"] = new JsonObject { ["type"] = "string", ["value"] = "[listKeys(resourceId('Microsoft.SignalRService/signalR', 'x'), '2024-03-01').primaryKey]" }, "output SIGNALR of main carries a secret"),
        ["token in a module output"] = (arm => arm.Deployment("settings")!.Template["outputs"] = new JsonObject { ["t"] = new JsonObject { ["type"] = "string", ["value"] = "[parameters('storeToken')]" } }, "output t of settings carries a secret"),
        ["negotiate URL elsewhere"] = (arm => arm.Root["outputs"]!["STORE_NEGOTIATE_URL"]!["value"] = ((string)arm.Root["outputs"]!["STORE_NEGOTIATE_URL"]!["value"]!).Replace("/api/negotiate", "/negotiate"), "output STORE_NEGOTIATE_URL"),
        ["no App Insights workspace"] = (arm => Remove(arm.OfType("Microsoft.OperationalInsights/workspaces").Single()), "Log Analytics workspace"),
    };
}

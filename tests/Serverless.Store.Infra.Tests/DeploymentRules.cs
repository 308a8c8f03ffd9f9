using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Store.Infra.Tests;

/// <summary>What the store needs from its Azure deployment, as checks over the compiled ARM template.</summary>
/// <param name="SampleSettings">The setting names of local.settings.sample.json (the Functions tests' SettingsTests check that every setting the code reads is there).</param>
/// <param name="DurableConnection">host.json's durableTask storageProvider.connectionName.</param>
/// <param name="RoutePrefix">host.json's http routePrefix: the REST base path.</param>
/// <param name="ServiceName">The azd service in azure.yaml that deploys functions/.</param>
/// <param name="Runtime">The worker runtime the app is built for (the sample's FUNCTIONS_WORKER_RUNTIME).</param>
/// <param name="RuntimeVersion">The .NET version the app targets (Directory.Build.props).</param>
sealed record DeploymentRules(IReadOnlyCollection<string> SampleSettings, string DurableConnection, string RoutePrefix, string ServiceName, string Runtime, string RuntimeVersion)
{
    /// <summary>The Functions runtime's own storage connection.</summary>
    public const string RuntimeConnection = "AzureWebJobsStorage";

    /// <summary>Sample settings that must not be app settings in Azure, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> LocalOnly = new Dictionary<string, string>
    {
        [RuntimeConnection] = "a connection string with the account key; in Azure shared keys are off and the connection is identity-based (AzureWebJobsStorage__*)",
        ["FUNCTIONS_WORKER_RUNTIME"] = "Flex Consumption takes the runtime from functionAppConfig.runtime and rejects this setting",
    };

    /// <summary>App settings the platform reads (not the store's code), and who reads them.</summary>
    public static readonly IReadOnlyDictionary<string, string> ReadByThePlatform = new Dictionary<string, string>
    {
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "the Functions host: where logs and metrics go",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "the Functions host: send telemetry with the managed identity (the component's local auth is off)",
    };

    /// <summary>The suffixes of an identity-based connection that the Functions host and the Azure SDK read.</summary>
    static readonly string[] IdentitySuffixes = ["credential", "clientId", "accountName", "blobServiceUri", "queueServiceUri", "tableServiceUri"];

    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    public IEnumerable<string> Connections => new[] { RuntimeConnection, DurableConnection }.Distinct();

    /// <summary>Every problem found; empty when the template gives the store what it needs.</summary>
    public List<string> Check(JsonObject compiled)
    {
        var arm = new ArmTemplate(compiled);
        var problems = new List<string>();
        var app = Single(arm, "Microsoft.Web/sites", problems);
        var storage = Single(arm, "Microsoft.Storage/storageAccounts", problems);
        var signalR = Single(arm, "Microsoft.SignalRService/signalR", problems);
        var settingsResource = arm.OfType("Microsoft.Web/sites/config").Where(r => r.Name.EndsWith("'appsettings')]") || r.Name.EndsWith("/appsettings")).ToList();
        if (settingsResource.Count != 1) problems.Add($"expected one Microsoft.Web/sites/config 'appsettings', found {settingsResource.Count}");
        if (app is null || storage is null || signalR is null || settingsResource.Count != 1) return problems;

        var settings = settingsResource[0].Properties!.AsObject().ToDictionary(p => p.Key, p => settingsResource[0].Resolve(p.Value));
        var identity = IdentityOf(app, problems);
        CheckFunctionApp(arm, app, identity, problems);
        CheckAlwaysReady(app, compiled["parameters"] as JsonObject, problems);
        CheckStorage(arm, storage, problems);
        CheckSettings(settings, identity, compiled["parameters"] as JsonObject, problems);
        CheckSignalR(signalR, settings, problems);
        CheckRoles(arm, identity, problems);
        CheckMonitoring(arm, settings, problems);
        CheckOutputs(arm, problems);
        return problems;
    }

    static ArmResource? Single(ArmTemplate arm, string type, List<string> problems)
    {
        var found = arm.OfType(type).ToList();
        if (found.Count == 1) return found[0];
        problems.Add($"expected one {type}, found {found.Count}");
        return null;
    }

    const string IdentityCall = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', ";

    /// <summary>The name argument of the first <c>resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', name)</c> in an expression.</summary>
    static string? IdentityName(string expression)
    {
        var start = expression.IndexOf(IdentityCall, StringComparison.Ordinal);
        if (start < 0) return null;
        start += IdentityCall.Length;
        var depth = 0;
        var quoted = false;
        for (var i = start; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\'') quoted = !quoted; // '' inside a literal toggles twice: no harm
            else if (quoted) continue;
            else if (c == '(') depth++;
            else if (c == ')' && depth-- == 0) return expression[start..i];
        }
        return null;
    }

    /// <summary>The user-assigned identity's name expression, as the app refers to it.</summary>
    static string? IdentityOf(ArmResource app, List<string> problems)
    {
        var identity = app.Json["identity"];
        if ((string?)identity?["type"] != "UserAssigned")
            problems.Add($"the function app's identity type is '{(string?)identity?["type"]}', not UserAssigned");
        var keys = (identity?["userAssignedIdentities"] as JsonObject)?.Select(p => app.Resolve(JsonValue.Create(p.Key))).ToList() ?? [];
        if (keys.Count != 1) { problems.Add($"the function app has {keys.Count} user-assigned identities, expected one"); return null; }
        var name = IdentityName(keys[0]);
        if (name is null) problems.Add("the function app's identity is not a Microsoft.ManagedIdentity/userAssignedIdentities resource: " + keys[0]);
        return name;
    }

    /// <summary>True when <paramref name="expression"/> is <c>reference(identity).property</c> of the app's identity.</summary>
    static bool IsIdentityProperty(string expression, string? identity, string property) =>
        identity is not null && IdentityName(expression) == identity && expression.StartsWith("[reference(" + IdentityCall) && expression.EndsWith($").{property}]");

    void CheckFunctionApp(ArmTemplate arm, ArmResource app, string? identity, List<string> problems)
    {
        var kind = (string?)app.Json["kind"] ?? "";
        if (!kind.Contains("functionapp") || !kind.Contains("linux")) problems.Add($"the site's kind is '{kind}', not a Linux function app");
        var config = app.Properties?["functionAppConfig"];
        var runtime = config?["runtime"];
        if ((string?)runtime?["name"] != Runtime || (string?)runtime?["version"] != RuntimeVersion)
            problems.Add($"the function app's runtime is {(string?)runtime?["name"]} {(string?)runtime?["version"]}, not {Runtime} {RuntimeVersion}");
        var plans = arm.OfType("Microsoft.Web/serverfarms").Where(p => p.Scope == app.Scope).ToList();
        var serverFarm = app.Resolve(app.Properties?["serverFarmId"]);
        if (plans.Count != 1 || serverFarm != "[resourceId('Microsoft.Web/serverfarms', " + plans[0].Name.TrimStart('[').TrimEnd(']') + ")]")
            problems.Add("the function app is not on the plan beside it: " + serverFarm);
        else if ((string?)plans[0].Json["sku"]?["name"] != "FC1" || (string?)plans[0].Json["sku"]?["tier"] != "FlexConsumption")
            problems.Add($"the plan is {(string?)plans[0].Json["sku"]?["name"]} {(string?)plans[0].Json["sku"]?["tier"]}, not FC1 FlexConsumption");
        var auth = config?["deployment"]?["storage"]?["authentication"];
        if ((string?)auth?["type"] != "UserAssignedIdentity" || identity is null || IdentityName(app.Resolve(auth?["userAssignedIdentityResourceId"])) != identity)
            problems.Add("the deployment package is not read with the app's user-assigned identity");
        if ((bool?)app.Properties?["httpsOnly"] != true) problems.Add("the function app does not set httpsOnly");
        if (!app.Resolve(app.Json["tags"]).Contains($"'azd-service-name', '{ServiceName}'"))
            problems.Add($"the function app has no tag azd-service-name = {ServiceName} (azd deploys to the resource carrying it)");
    }

    /// <summary>The parameter that ends cold starts (docs/deploy.md, "Cold start").</summary>
    public const string AlwaysReadyParameter = "alwaysReadyInstances";

    /// <summary>
    /// Always-ready instances are off unless asked for (they are billed every second), and when asked
    /// for they keep warm both function groups a request needs: the HTTP trigger's ('http') and the
    /// key entities' ('durable'); one without the other still waits for a cold instance.
    /// </summary>
    static void CheckAlwaysReady(ArmResource app, JsonObject? rootParameters, List<string> problems)
    {
        if ((int?)rootParameters?[AlwaysReadyParameter]?["defaultValue"] != 0)
            problems.Add($"the parameter {AlwaysReadyParameter} is missing or not 0 by default (always-ready instances are billed whether used or not)");
        // The Bicep loop compiles to a copy of the array property: each element's name and count.
        var loop = (app.Properties?["functionAppConfig"]?["scaleAndConcurrency"]?["copy"] as JsonArray)?
            .FirstOrDefault(c => (string?)c?["name"] == "alwaysReady")?["input"];
        var groups = (loop?["name"] as JsonValue)?.ToString() ?? "";
        var count = (loop?["instanceCount"] as JsonValue)?.ToString() ?? "";
        if (!count.Contains($"parameters('{AlwaysReadyParameter}')") || !groups.Contains("'http'") || !groups.Contains("'durable'"))
            problems.Add($"the app's always-ready instances ({AlwaysReadyParameter}) do not cover both the 'http' and the 'durable' function groups");
    }

    static void CheckStorage(ArmTemplate arm, ArmResource storage, List<string> problems)
    {
        if ((bool?)storage.Properties?["allowSharedKeyAccess"] != false) problems.Add("the storage account allows shared key access");
        if ((bool?)storage.Properties?["allowBlobPublicAccess"] != false) problems.Add("the storage account allows public blob access");
        var containers = arm.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c.Name).ToList();
        if (!containers.Any(name => name.EndsWith(", 'snapshots')]") || name.EndsWith("/snapshots")))
            problems.Add("no blob container 'snapshots' for the RDB snapshots; containers: " + string.Join(", ", containers));
    }

    void CheckSettings(Dictionary<string, string> settings, string? identity, JsonObject? rootParameters, List<string> problems)
    {
        var expected = SampleSettings.Except(LocalOnly.Keys).Concat(ReadByThePlatform.Keys).ToHashSet();
        foreach (var name in expected.Where(n => !settings.ContainsKey(n)))
            problems.Add($"the app setting {name} is missing" + (ReadByThePlatform.TryGetValue(name, out var why) ? $" ({why})" : " (the code reads it: local.settings.sample.json)"));
        foreach (var (name, why) in LocalOnly.Where(l => settings.ContainsKey(l.Key)))
            problems.Add($"the app setting {name} must not be set in Azure: {why}");
        var identitySettings = Connections.SelectMany(c => IdentitySuffixes.Select(s => $"{c}__{s}")).ToHashSet();
        foreach (var name in settings.Keys.Where(n => !expected.Contains(n) && !identitySettings.Contains(n) && !LocalOnly.ContainsKey(n)))
            problems.Add($"the app setting {name} is set but nothing reads it (not in local.settings.sample.json, not a platform or connection setting)");

        foreach (var connection in Connections)
        {
            settings.TryGetValue($"{connection}__credential", out var credential);
            if (credential != "managedidentity") problems.Add($"{connection}__credential is '{credential}', not managedidentity: the connection {connection} is not identity-based");
            if (!settings.TryGetValue($"{connection}__clientId", out var clientId) || !IsIdentityProperty(clientId, identity, "clientId"))
                problems.Add($"{connection}__clientId is not the client id of the app's user-assigned identity");
            var services = new[] { "blob", "queue", "table" };
            var byAccount = settings.ContainsKey($"{connection}__accountName");
            foreach (var service in services.Where(_ => !byAccount))
                if (!settings.TryGetValue($"{connection}__{service}ServiceUri", out var uri) || !uri.Contains("Microsoft.Storage/storageAccounts") || !uri.EndsWith($".primaryEndpoints.{service}]"))
                    problems.Add($"{connection}__{service}ServiceUri is not the storage account's {service} endpoint (the Durable Task hub needs blobs, queues and tables)");
        }

        foreach (var token in new[] { "STORE_TOKEN", "STORE_READONLY_TOKEN" })
            if (settings.TryGetValue(token, out var value) && !IsSecure(value))
                problems.Add($"the app setting {token} is not a secure parameter or a Key Vault reference: {value}");

        bool IsSecure(string value)
        {
            if (value.StartsWith("@Microsoft.KeyVault(")) return true;
            var match = Regex.Match(value, @"^\[parameters\('([^']+)'\)\]$");
            return match.Success && ((string?)rootParameters?[match.Groups[1].Value]?["type"])?.ToLowerInvariant() == "securestring";
        }
    }

    static void CheckSignalR(ArmResource signalR, Dictionary<string, string> settings, List<string> problems)
    {
        var features = signalR.Properties?["features"]?.AsArray() ?? [];
        var mode = features.FirstOrDefault(f => (string?)f?["flag"] == "ServiceMode")?["value"];
        if ((string?)mode != "Serverless") problems.Add($"SignalR serviceMode is '{(string?)mode}', not Serverless");
        var hub = settings.GetValueOrDefault("SignalRHub");
        var templates = signalR.Properties?["upstream"]?["templates"]?.AsArray() ?? [];
        var upstream = templates.FirstOrDefault(t => signalR.Resolve(t?["hubPattern"]) == hub);
        if (upstream is null) { problems.Add($"no SignalR upstream template for the hub of the SignalRHub setting ({hub})"); }
        else
        {
            if ((string?)upstream["categoryPattern"] is not ("connections" or "*")) problems.Add("the SignalR upstream does not send the connections category");
            var events = ((string?)upstream["eventPattern"] ?? "").Split(',', StringSplitOptions.TrimEntries);
            foreach (var wanted in new[] { "connected", "disconnected" })
                if (!events.Contains(wanted) && !events.Contains("*")) problems.Add($"the SignalR upstream does not send '{wanted}' events");
            var url = signalR.Resolve(upstream["urlTemplate"]);
            var match = Regex.Match(url, @"^\[format\('https://\{0\}/api/_signalr/\{\{hub\}\}/\{\{category\}\}/\{\{event\}\}', (.+)\)\]$");
            if (!match.Success || !IsAppHostName(signalR.Scope, match.Groups[1].Value))
                problems.Add("the SignalR upstream URL is not https://<function app host>/api/_signalr/{hub}/{category}/{event}: " + url);
        }
        if (!settings.TryGetValue("AzureSignalRConnectionString", out var connection) || !connection.Contains("listKeys(resourceId('Microsoft.SignalRService/signalR'"))
            problems.Add("AzureSignalRConnectionString does not come from the SignalR resource's keys");
    }

    static readonly Regex ModuleOutput = new(@"^reference\(resourceId\('Microsoft\.Resources/deployments', '([^']+)'\), '[^']+'\)\.outputs\.([^.]+)\.value$", RegexOptions.Compiled);

    /// <summary>True when the expression is the function app's defaultHostName, directly or as a module's output.</summary>
    static bool IsAppHostName(ArmScope scope, string expression)
    {
        if (Regex.IsMatch(expression, @"^reference\(resourceId\('Microsoft\.Web/sites', .+\), '[^']+'\)\.defaultHostName$")) return true;
        var output = ModuleOutput.Match(expression);
        var root = scope;
        while (root.Parent is not null) root = root.Parent;
        var module = output.Success ? new ArmTemplate(root.Template).Deployment(output.Groups[1].Value) : null;
        var value = module?.Template["outputs"]?[output.Groups[2].Value]?["value"];
        return value is not null && IsAppHostName(module!, module!.Resolve(value).TrimStart('[').TrimEnd(']'));
    }

    static void CheckRoles(ArmTemplate arm, string? identity, List<string> problems)
    {
        var assignments = arm.OfType("Microsoft.Authorization/roleAssignments").ToList();
        foreach (var (role, name, scopeType) in new[]
        {
            (StorageBlobDataOwner, "Storage Blob Data Owner", "Microsoft.Storage/storageAccounts"),
            (StorageQueueDataContributor, "Storage Queue Data Contributor", "Microsoft.Storage/storageAccounts"),
            (StorageTableDataContributor, "Storage Table Data Contributor", "Microsoft.Storage/storageAccounts"),
            (MonitoringMetricsPublisher, "Monitoring Metrics Publisher", "Microsoft.Insights/components"),
        })
        {
            var granted = assignments.Any(a =>
                a.Resolve(a.Properties?["roleDefinitionId"]).Contains($"'Microsoft.Authorization/roleDefinitions', '{role}'") &&
                IsIdentityProperty(a.Resolve(a.Properties?["principalId"]), identity, "principalId") &&
                a.Resolve(a.Json["scope"]).StartsWith($"[resourceId('{scopeType}', ") &&
                a.Json["condition"] is null);
            if (!granted) problems.Add($"the app's identity is not granted {name} on the {scopeType.Split('/')[^1]}");
        }
    }

    static void CheckMonitoring(ArmTemplate arm, Dictionary<string, string> settings, List<string> problems)
    {
        var insights = arm.OfType("Microsoft.Insights/components").ToList();
        var workspaces = arm.OfType("Microsoft.OperationalInsights/workspaces").ToList();
        if (insights.Count != 1 || workspaces.Count != 1 || !insights[0].Resolve(insights[0].Properties?["WorkspaceResourceId"]).StartsWith("[resourceId('Microsoft.OperationalInsights/workspaces', "))
            problems.Add("expected one Application Insights component on one Log Analytics workspace");
        if (!settings.GetValueOrDefault("APPLICATIONINSIGHTS_CONNECTION_STRING", "").Contains("resourceId('Microsoft.Insights/components'"))
            problems.Add("APPLICATIONINSIGHTS_CONNECTION_STRING is not the component's connection string");
    }

    /// <summary>Keeps quotes as they are, so expressions read as written.</summary>
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    void CheckOutputs(ArmTemplate arm, List<string> problems)
    {
        var outputs = arm.Root["outputs"] as JsonObject ?? [];
        var scope = arm.Scopes[0];
        foreach (var (name, path) in new[] { ("STORE_URL", "/" + RoutePrefix), ("STORE_NEGOTIATE_URL", "/" + RoutePrefix + "/negotiate") })
        {
            var value = scope.Resolve(outputs[name]?["value"]);
            var match = Regex.Match(value, @"^\[format\('https://\{0\}" + Regex.Escape(path) + @"', (.+)\)\]$");
            if (!match.Success || !IsAppHostName(scope, match.Groups[1].Value))
                problems.Add($"output {name} is not https://<function app host>{path}: '{value}'");
        }
        // No secret in any output, the modules' included: deployment history shows them to readers of the group.
        foreach (var s in arm.Scopes)
            foreach (var (name, output) in s.Template["outputs"] as JsonObject ?? [])
            {
                var raw = output?["value"]?.ToJsonString(Relaxed) ?? "";
                var secureParams = (s.Template["parameters"] as JsonObject ?? []).Where(p => ((string?)p.Value?["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true).Select(p => p.Key);
                if (Regex.IsMatch(raw, @"\blist[A-Za-z]*\(") || secureParams.Any(p => raw.Contains($"parameters('{p}')")) ||
                    ((string?)output?["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
                    problems.Add($"output {name} of {s.Name} carries a secret");
            }
    }
}

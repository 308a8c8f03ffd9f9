using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Store.Infra.Tests;

/// <summary>
/// A compiled ARM template with its nested deployments (Bicep modules) flattened: every resource
/// with the template it sits in. ARM expressions are text; <see cref="Resolve"/> replaces each
/// <c>parameters('x')</c> with what the enclosing module call passed (or the default), up to the
/// top-level template, so a check can see that a module's parameter is the identity's client id.
/// Hand-written because no library evaluates ARM expressions offline; it only substitutes, it does
/// not evaluate.
/// </summary>
sealed class ArmTemplate
{
    public JsonObject Root { get; }
    public IReadOnlyList<ArmResource> Resources { get; }
    public IReadOnlyList<ArmScope> Scopes { get; }

    public ArmTemplate(JsonObject root)
    {
        Root = root;
        var resources = new List<ArmResource>();
        var scopes = new List<ArmScope>();
        Walk(new ArmScope(root, null, null, "main"), resources, scopes);
        Resources = resources;
        Scopes = scopes;
    }

    static void Walk(ArmScope scope, List<ArmResource> resources, List<ArmScope> scopes)
    {
        scopes.Add(scope);
        // languageVersion 2.0 templates keep resources in an object keyed by symbolic name.
        var nodes = scope.Template["resources"] switch
        {
            JsonArray array => array.Select(n => n!.AsObject()),
            JsonObject map => map.Select(p => p.Value!.AsObject()),
            _ => [],
        };
        foreach (var json in nodes)
        {
            var resource = new ArmResource(json, scope);
            resources.Add(resource);
            if (resource.Type == "Microsoft.Resources/deployments" && json["properties"]?["template"] is JsonObject nested)
                Walk(new ArmScope(nested, json, scope, (string)json["name"]!), resources, scopes);
        }
    }

    public IEnumerable<ArmResource> OfType(string type) => Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public ArmScope? Deployment(string name) => Scopes.FirstOrDefault(s => s.Deployment is not null && s.Name == name);
}

sealed record ArmResource(JsonObject Json, ArmScope Scope)
{
    public string Type => (string)Json["type"]!;
    public string Name => Scope.Resolve(Json["name"]);
    public JsonNode? Properties => Json["properties"];
    public string Resolve(JsonNode? node) => Scope.Resolve(node);
    public override string ToString() => $"{Type} {Name} (in {Scope.Name})";
}

/// <summary>A template: the top-level one (Deployment null) or a module's, with the call that passed its parameters.</summary>
sealed record ArmScope(JsonObject Template, JsonObject? Deployment, ArmScope? Parent, string Name)
{
    static readonly Regex ParameterCall = new(@"parameters\('([^']+)'\)", RegexOptions.Compiled);

    public JsonObject? Parameter(string name) => Template["parameters"]?[name] as JsonObject;

    /// <summary>The value as text, with module parameters substituted up to the top-level template.</summary>
    public string Resolve(JsonNode? node)
    {
        if (node is null) return "";
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text)) return node.ToJsonString();
        if (!IsExpression(text)) return text;
        var inner = ParameterCall.Replace(text[1..^1], m => AsExpressionPart(ResolveParameter(m.Groups[1].Value) ?? m.Value));
        // An expression that became one string literal is that literal.
        var literal = Regex.Match(inner, @"^'((?:[^']|'')*)'$");
        return literal.Success ? literal.Groups[1].Value.Replace("''", "'") : "[" + inner + "]";
    }

    /// <summary>What parameter <paramref name="name"/> resolves to, or null when it is a top-level parameter without default.</summary>
    public string? ResolveParameter(string name)
    {
        if (Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && passed.ContainsKey("value"))
            return Parent!.Resolve(passed["value"]);
        if (Parameter(name)?["defaultValue"] is JsonNode fallback) return Resolve(fallback);
        return null;
    }

    static bool IsExpression(string text) => text.StartsWith('[') && !text.StartsWith("[[") && text.EndsWith(']');

    static string AsExpressionPart(string resolved) =>
        IsExpression(resolved) ? resolved[1..^1] : resolved.StartsWith("parameters('") ? resolved : "'" + resolved.Replace("'", "''") + "'";
}

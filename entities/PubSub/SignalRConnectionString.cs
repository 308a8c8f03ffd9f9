namespace Serverless.Store.PubSub;

/// <summary>
/// An Azure SignalR Service connection string, <c>Endpoint=https://x.service.signalr.net;AccessKey=...;Version=1.0;</c>
/// with an optional <c>Port=</c> (the local emulator's form). Only access-key strings are
/// supported: the REST API's tokens are signed with the key. Hand-parsed because the SDK that
/// parses it (Microsoft.Azure.SignalR) would bring the whole ASP.NET Core server side into entities/.
/// </summary>
public sealed record SignalRConnectionString(Uri Endpoint, string AccessKey)
{
    public const string Setting = "AzureSignalRConnectionString";

    public static SignalRConnectionString Parse(string text)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"{Setting}: '{Clip(part)}' is not a key=value pair");
            parts[part[..eq].Trim()] = part[(eq + 1)..].Trim(); // the key's base64 may end in '='
        }
        if (!parts.TryGetValue("Endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
            throw new FormatException($"{Setting}: Endpoint=https://<name>.service.signalr.net is missing or not an http(s) URL");
        if (parts.TryGetValue("AuthType", out var auth) && !string.IsNullOrEmpty(auth))
            throw new FormatException($"{Setting}: AuthType={auth} is not supported; use the connection string with an AccessKey");
        if (!parts.TryGetValue("AccessKey", out var key) || key.Length == 0)
            throw new FormatException($"{Setting}: AccessKey= is missing");
        if (parts.TryGetValue("Version", out var version) && version != "1.0")
            throw new FormatException($"{Setting}: Version={version} is not supported (1.0 is)");
        var builder = new UriBuilder(uri) { Path = "", Query = "", Fragment = "" };
        if (parts.TryGetValue("Port", out var port))
        {
            if (!int.TryParse(port, out var p) || p is < 1 or > 65535) throw new FormatException($"{Setting}: Port={port} is not a port number");
            builder.Port = p;
        }
        return new SignalRConnectionString(builder.Uri, key);
    }

    /// <summary>The service's base URL without a trailing slash (https://x.service.signalr.net or http://localhost:8888).</summary>
    public string BaseUrl => Endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>Where clients connect for <paramref name="hub"/> (also their token's audience).</summary>
    public string ClientUrl(string hub) => $"{BaseUrl}/client/?hub={Uri.EscapeDataString(hub)}";

    /// <summary>The record's text never shows the key.</summary>
    public override string ToString() => $"Endpoint={BaseUrl};AccessKey=***";

    static string Clip(string s) => s.Length > 20 ? s[..20] + "..." : s;
}

using System.Collections.Frozen;
using System.Reflection;
using Serverless.Store.Api;

namespace Serverless.Store.Http;

/// <summary>
/// The web console (<c>GET &lt;base&gt;/console</c> and its assets under <c>&lt;base&gt;/console/assets/</c>),
/// served by both hosts whether or not pub/sub is configured. The page is built from
/// <c>console/src</c> by npm at build time (Serverless.Store.Http.csproj) and embedded with a
/// .br and .gz twin of every file: an asset goes out compressed when the client takes it, with
/// no per-request compression. Asset names carry a content hash, so they are cached for a year;
/// the page itself is revalidated on every load. The page holds no secret: its calls carry the
/// token the user types in, as a bearer header.
/// </summary>
public static class ConsolePage
{
    const string Prefix = "console/";
    const string Page = "index.html";

    /// <summary>True for <c>console</c> and any path below it (path below the base, no slashes around).</summary>
    public static bool Serves(string rawPath)
    {
        var p = rawPath.Trim('/');
        return p.Equals("console", StringComparison.OrdinalIgnoreCase) || p.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The embedded files by their path below <c>console/</c> (e.g. <c>assets/main-AB12.js.br</c>).</summary>
    static readonly Lazy<FrozenDictionary<string, byte[]>> Files = new(Load);

    static FrozenDictionary<string, byte[]> Load()
    {
        var here = typeof(ConsolePage).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in here.GetManifestResourceNames())
        {
            var path = name.Replace('\\', '/');
            if (!path.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = here.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[path[Prefix.Length..]] = memory.ToArray();
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Content-Security-Policy of the page: its own scripts only, nothing framed; connections to the
    /// store itself and, for pub/sub, to the SignalR service negotiate points it at (another origin in Azure).
    /// </summary>
    const string Policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self' https: wss: http: ws:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static RestResponse Handle(RestRequest request)
    {
        var method = request.Method.ToUpperInvariant();
        if (method == "OPTIONS") return RestRouter.Respond(204, []);
        if (method is not ("GET" or "HEAD"))
            return RestRouter.Respond(405, ReplyEncoder.Error("ERR the console is read with GET"), ("Allow", "GET, HEAD, OPTIONS"));
        var path = request.RawPath.Trim('/');
        if (path.Equals("console", StringComparison.OrdinalIgnoreCase) && request.RawPath.EndsWith('/'))
            return RestRouter.Respond(308, [], ("Location", "../console")); // the page's asset URLs are relative to <base>/console
        var file = path.Length <= Prefix.Length ? Page : Uri.UnescapeDataString(path[Prefix.Length..]);
        if (Files.Value.Count == 0)
            return RestRouter.Respond(404, ReplyEncoder.Error("ERR this build has no console: build Serverless.Store.Http with npm installed (see docs/console.md)"));
        if (!Files.Value.TryGetValue(file, out var body) || file.EndsWith(".br", StringComparison.Ordinal) || file.EndsWith(".gz", StringComparison.Ordinal))
            return RestRouter.Respond(404, ReplyEncoder.Error($"ERR the console has no file '{file}'"));

        var headers = new List<(string, string)>
        {
            ("Content-Type", ContentType(file)),
            ("Cache-Control", file == Page ? "no-cache" : "public, max-age=31536000, immutable"),
            ("Vary", "Accept-Encoding"),
            ("X-Content-Type-Options", "nosniff"),
        };
        if (file == Page)
        {
            headers.Add(("Content-Security-Policy", Policy));
            headers.Add(("Referrer-Policy", "no-referrer"));
        }
        var accepted = request.Header("Accept-Encoding") ?? "";
        foreach (var (encoding, suffix) in new[] { ("br", ".br"), ("gzip", ".gz") })
        {
            if (accepted.Contains(encoding, StringComparison.OrdinalIgnoreCase) && Files.Value.TryGetValue(file + suffix, out var compressed))
            {
                body = compressed;
                headers.Add(("Content-Encoding", encoding));
                break;
            }
        }
        var response = RestRouter.Respond(200, method == "HEAD" ? [] : body, [.. headers]);
        return response;
    }

    static string ContentType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}

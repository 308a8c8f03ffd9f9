using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Serverless.Store.Api;
using Serverless.Store.Http;

namespace Serverless.Store.Tests.WebConsole;

/// <summary>
/// The console's page and assets as the hosts serve them (<see cref="StoreHttp.HandleAsync"/>, the
/// code both hosts run), with no pub/sub and no store behind: the page is served anyway, assets
/// are cached by their hashed names and sent precompressed when the client takes it.
/// </summary>
public sealed partial class ConsolePageTests
{
    static readonly AccessPolicy Access = new("full", "read");

    static async Task<RestResponse> GetAsync(string path, string? acceptEncoding = null, string method = "GET")
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        if (acceptEncoding is not null) http.Request.Headers.AcceptEncoding = acceptEncoding;
        // no store and no pub/sub: the console needs neither
        return await StoreHttp.HandleAsync(http, store: null!, Access, pubsub: null);
    }

    [GeneratedRegex(@"src=""console/(assets/main-[A-Z0-9]+\.js)""")]
    private static partial Regex Script();

    [Fact]
    public async Task The_page_is_served_without_pub_sub_and_revalidated_on_every_load()
    {
        var page = await GetAsync("/api/console");
        Assert.Equal(200, page.Status);
        Assert.Equal("text/html; charset=utf-8", page.Headers["Content-Type"]);
        Assert.Equal("no-cache", page.Headers["Cache-Control"]);
        Assert.Contains("script-src 'self'", page.Headers["Content-Security-Policy"]);
        var html = Encoding.UTF8.GetString(page.Body);
        Assert.Matches(Script(), html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "")); // nothing from elsewhere
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public async Task Assets_are_cached_by_their_hashed_names_and_sent_compressed_when_taken()
    {
        var html = Encoding.UTF8.GetString((await GetAsync("/api/console")).Body);
        var script = Script().Match(html).Groups[1].Value;

        var plain = await GetAsync("/api/console/" + script);
        Assert.Equal(200, plain.Status);
        Assert.Equal("text/javascript; charset=utf-8", plain.Headers["Content-Type"]);
        Assert.Equal("public, max-age=31536000, immutable", plain.Headers["Cache-Control"]);
        Assert.False(plain.Headers.ContainsKey("Content-Encoding"));

        var brotli = await GetAsync("/api/console/" + script, "gzip, deflate, br");
        Assert.Equal("br", brotli.Headers["Content-Encoding"]);
        Assert.True(brotli.Body.Length < plain.Body.Length / 2, $"{brotli.Body.Length} of {plain.Body.Length} bytes");
        using (var decoded = new MemoryStream())
        {
            using (var br = new BrotliStream(new MemoryStream(brotli.Body), CompressionMode.Decompress)) br.CopyTo(decoded);
            Assert.Equal(plain.Body, decoded.ToArray());
        }

        var gzip = await GetAsync("/api/console/" + script, "gzip");
        Assert.Equal("gzip", gzip.Headers["Content-Encoding"]);
        using (var decoded = new MemoryStream())
        {
            using (var gz = new GZipStream(new MemoryStream(gzip.Body), CompressionMode.Decompress)) gz.CopyTo(decoded);
            Assert.Equal(plain.Body, decoded.ToArray());
        }
    }

    [Fact]
    public async Task Unknown_files_other_methods_and_a_trailing_slash_get_clear_answers()
    {
        var missing = await GetAsync("/api/console/assets/nope.js");
        Assert.Equal(404, missing.Status);
        Assert.Equal("ERR the console has no file 'assets/nope.js'", System.Text.Json.JsonDocument.Parse(missing.Body).RootElement.GetProperty("error").GetString());
        Assert.Equal(404, (await GetAsync("/api/console/index.html.br")).Status); // twins are not files of their own

        var post = await GetAsync("/api/console", method: "POST");
        Assert.Equal(405, post.Status);
        Assert.Equal("GET, HEAD, OPTIONS", post.Headers["Allow"]);

        var slash = await GetAsync("/api/console/");
        Assert.Equal(308, slash.Status);
        Assert.Equal("../console", slash.Headers["Location"]);

        var head = await GetAsync("/api/console", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Empty(head.Body);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Serverless.Store.Cli;

/// <summary>A failure the CLI cannot print as a reply (store unreachable, token refused): its message says what to do.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>
/// The store's REST API as the CLI uses it: one command (`POST base`), pipelines (`POST base/pipeline`),
/// server-sent-event subscriptions and the snapshot download, always with `Upstash-Encoding: base64`
/// so binary values survive. The token goes in the Authorization header only, never in a URL.
/// </summary>
internal sealed class StoreClient : IDisposable
{
    readonly HttpClient http;
    readonly string baseUrl;

    public Uri BaseUri { get; }

    /// <summary>`host:port` as the prompt shows it.</summary>
    public string HostPort => $"{BaseUri.Host}:{BaseUri.Port}";

    public StoreClient(string url, string? token)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"Invalid URL '{url}': pass the store's REST base as -u http(s)://host:port/api (or set STORE_URL)");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            throw new CliException("Invalid URL: give the REST base without a query or credentials; pass the token with -t (or STORE_TOKEN)");
        BaseUri = uri;
        baseUrl = uri.ToString().TrimEnd('/');
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Add("Upstash-Encoding", "base64");
    }

    public async Task<Reply> ExecuteAsync(IReadOnlyList<byte[]> command, CancellationToken ct = default)
    {
        var (status, body) = Carries(command)
            ? await PostAsync("", CommandJson(command), ct)
            : await PostAsync(PathOf(command), command[^1], ct, contentType: "application/octet-stream");
        return ReplyDecoder.FromEnvelope(Parse(status, body), command);
    }

    /// <summary>True when JSON can carry every argument (see <see cref="CommandJson"/>).</summary>
    static bool Carries(IReadOnlyList<byte[]> command) =>
        command.All(a => IsUtf8(a) || !a.Any(b => b < 0x20 || b == '"' || b == '\\'));

    /// <summary>
    /// The path form `/<cmd>/<arg>...` with percent-encoded segments (the store decodes them to bytes)
    /// and the last argument as the raw body: binary-safe for any bytes, used when JSON cannot carry one.
    /// </summary>
    static string PathOf(IReadOnlyList<byte[]> command)
    {
        if (command.Count < 2 || command.Take(command.Count - 1).Any(a => a.Length == 0))
            throw new CliException("an argument holds bytes that are not UTF-8 together with a quote, backslash or control byte, and the command is too short or has an empty argument to send it in the path form; the REST API cannot carry it");
        return string.Concat(command.Take(command.Count - 1).Select(a => "/" + PercentEncode(a)));
    }

    internal static string PercentEncode(byte[] bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Many commands in one request (`/pipeline`, at most the store's 1,000), one reply each, in order.</summary>
    public async Task<List<Reply>> PipelineAsync(IReadOnlyList<IReadOnlyList<byte[]>> commands, CancellationToken ct = default)
    {
        var json = new MemoryStream();
        json.WriteByte((byte)'[');
        for (var i = 0; i < commands.Count; i++)
        {
            if (i > 0) json.WriteByte((byte)',');
            json.Write(CommandJson(commands[i]));
        }
        json.WriteByte((byte)']');
        var (status, body) = await PostAsync("/pipeline", json.ToArray(), ct);
        var root = Parse(status, body);
        if (root.ValueKind != JsonValueKind.Array)
        {
            var error = ReplyDecoder.FromEnvelope(root, []);
            return commands.Select(_ => error).ToList();
        }
        var replies = new List<Reply>(commands.Count);
        var k = 0;
        foreach (var item in root.EnumerateArray()) replies.Add(ReplyDecoder.FromEnvelope(item, commands[k++]));
        return replies;
    }

    async Task<(HttpStatusCode, byte[])> PostAsync(string path, byte[] body, CancellationToken ct, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct));
    }

    /// <summary>Sends a request; an unreachable store or a refused token become a <see cref="CliException"/> that says what to do.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException s ? Reason(s) : e.Message;
            throw new CliException($"Could not connect to Serverless.Store at {baseUrl}: {reason}\n" +
                "Start the store with ./standalone/run.sh, or pass its REST base with -u <url> (or set STORE_URL).");
        }
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new CliException($"The store at {baseUrl} refused the token (401 Unauthorized): pass the store's token with -t <token> or set STORE_TOKEN.");
        }
        return response;
    }

    static string Reason(SocketException s) => s.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.HostNotFound or SocketError.NoData => "Name or service not known",
        SocketError.TimedOut => "Connection timed out",
        _ => s.Message,
    };

    static JsonElement Parse(HttpStatusCode status, byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ");
            var reply = new { error = $"ERR the store answered {(int)status} {status} that is not JSON: {text}" };
            return JsonSerializer.SerializeToElement(reply);
        }
    }

    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// A command as the JSON array the store reads. The store takes an unescaped JSON string's bytes
    /// as they are, so an argument that is not UTF-8 goes out raw between quotes; it then cannot
    /// also hold a quote, a backslash or a control byte (the store refuses escapes with such bytes).
    /// </summary>
    public static byte[] CommandJson(IReadOnlyList<byte[]> command)
    {
        var o = new MemoryStream();
        o.WriteByte((byte)'[');
        for (var i = 0; i < command.Count; i++)
        {
            if (i > 0) o.WriteByte((byte)',');
            var arg = command[i];
            if (IsUtf8(arg))
            {
                using var w = new Utf8JsonWriter(o, WriterOptions);
                w.WriteStringValue(Encoding.UTF8.GetString(arg));
            }
            else
            {
                if (arg.Any(b => b < 0x20 || b == '"' || b == '\\'))
                    throw new CliException($"argument {i + 1} holds bytes that are not UTF-8 together with a quote, backslash or control byte, which the REST API cannot carry in one argument");
                o.WriteByte((byte)'"');
                o.Write(arg);
                o.WriteByte((byte)'"');
            }
        }
        o.WriteByte((byte)']');
        return o.ToArray();
    }

    static bool IsUtf8(byte[] bytes)
    {
        try { StrictUtf8.GetCharCount(bytes); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    /// <summary>`GET|POST base/<path>` answered as a stream (events, snapshot bytes); the caller checks the status.</summary>
    public Task<HttpResponseMessage> OpenAsync(HttpMethod method, string path, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, baseUrl + path);
        if (path.Contains("subscribe", StringComparison.Ordinal)) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public void Dispose() => http.Dispose();
}

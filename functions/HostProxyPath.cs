using System.Text;
using Serverless.Store.Api;

namespace Serverless.Store.Functions;

/// <summary>
/// The request path as the client sent it, from the one the isolated worker receives. The Functions
/// host forwards every HTTP request to the worker through its own reverse proxy
/// (azure-functions-host's DefaultHttpProxyService: YARP's IHttpForwarder with its default
/// transformer), and nothing it forwards carries the original target (YARP adds X-Forwarded-For,
/// -Proto, -Host and -Prefix only). On the way:
/// <list type="number">
/// <item>the host's Kestrel decodes the path into Request.Path: every %XX of valid UTF-8 except
/// %2F, which it keeps encoded, as it keeps runs of bytes that are not valid UTF-8 (and it refuses
/// %00 with 400);</item>
/// <item>YARP writes that decoded path into the forwarded URL, escaping '%' and every character
/// outside RFC 3986's pchar (RequestUtilities.EncodePath), so a client's <c>a%2Fb</c> reaches the
/// worker as <c>a%252Fb</c>.</item>
/// </list>
/// <see cref="ClientPath"/> undoes both: one percent-decode gives the host's Request.Path exactly;
/// then every '%' in it that Kestrel would have decoded must have been a literal '%' in the key
/// (sent as %25) and is re-encoded as %25, while a '%' that Kestrel keeps (%2F, bytes that are not
/// UTF-8) is the escape the client wrote. The router then decodes the result once, as on the
/// standalone host. One ambiguity is the host's own and cannot be undone: a key holding a literal
/// "%2F" (or a '%' and the hex of a byte that is not UTF-8) reads as '/' (or that byte) under
/// Functions, because Kestrel turns <c>%252F</c> and <c>%2F</c> into the same Request.Path; such keys
/// go in a JSON body (docs/functions.md).
/// </summary>
public static class HostProxyPath
{
    public static string ClientPath(string forwardedPath)
    {
        var hostPath = CommandParser.PercentDecode(forwardedPath); // the host's Request.Path, as UTF-8
        var client = new StringBuilder(hostPath.Length + 16);
        for (var i = 0; i < hostPath.Length; i++)
        {
            var b = hostPath[i];
            if (b == '%') client.Append(KestrelKeeps(hostPath, i) ? "%" : "%25");
            else if (IsPathChar(b)) client.Append((char)b);
            else client.Append('%').Append(b.ToString("X2"));
        }
        return client.ToString();
    }

    /// <summary>
    /// True when Kestrel leaves the escape at <paramref name="at"/> encoded in Request.Path: %2F, or
    /// the start of a %-encoded byte run that is not valid UTF-8 (invalid lead byte, missing or
    /// wrong continuation, overlong, surrogate, past U+10FFFF), as ASP.NET Core's UrlDecoder decides.
    /// </summary>
    static bool KestrelKeeps(byte[] path, int at)
    {
        var lead = Escaped(path, at);
        if (lead < 0) return false; // a bare '%': literal
        if (lead == '/') return true;
        if (lead <= 0x7F) return false; // Kestrel decodes ASCII (and refuses %00)
        var (count, bits, min) = (lead & 0xE0) == 0xC0 ? (2, lead & 0x1F, 0x80)
            : (lead & 0xF0) == 0xE0 ? (3, lead & 0x0F, 0x800)
            : (lead & 0xF8) == 0xF0 ? (4, lead & 0x07, 0x10000)
            : (0, 0, 0);
        if (count == 0) return true;
        for (var n = 1; n < count; n++)
        {
            var next = Escaped(path, at + 3 * n);
            if (next < 0 || next == '/' || (next & 0xC0) != 0x80) return true;
            bits = (bits << 6) | (next & 0x3F);
            var remaining = count - 1 - n;
            if (remaining == 1 && bits is >= 0x360 and <= 0x37F) return true; // a UTF-16 surrogate
            if (remaining == 2 && bits >= 0x110) return true; // past U+10FFFF
        }
        return bits < min; // overlong
    }

    /// <summary>The byte %XX at <paramref name="at"/> stands for, or -1 when there is no %XX there.</summary>
    static int Escaped(byte[] path, int at) =>
        at + 2 < path.Length && path[at] == '%' && Hex(path[at + 1]) is var high and >= 0 && Hex(path[at + 2]) is var low and >= 0
            ? high * 16 + low
            : -1;

    static int Hex(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };

    /// <summary>RFC 3986 pchar (and '/'), which the router's decode leaves as they are.</summary>
    static bool IsPathChar(byte c) =>
        c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            || "-._~!$&'()*+,;=:@/".Contains((char)c);
}

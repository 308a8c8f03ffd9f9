using System.Globalization;
using System.Text;

namespace Serverless.Store.Cli;

internal enum OutputMode { Standard, Raw, Csv }

/// <summary>
/// Replies printed byte for byte as redis-cli 7.0 prints them (src/redis-cli.c: cliFormatReplyTTY,
/// cliFormatReplyRaw, cliFormatReplyCSV, and sdscatrepr for quoting). Bytes, not strings: values
/// need not be UTF-8 and raw mode writes them as they are.
/// </summary>
internal static class Formatter
{
    /// <summary>A reply as redis-cli writes it after a command (cliFormatReply): the mode's format plus its line end.</summary>
    public static byte[] Format(Reply reply, OutputMode mode, bool verbatim = false)
    {
        var o = new MemoryStream();
        if (verbatim) Raw(o, reply);
        else if (mode == OutputMode.Standard) Tty(o, reply, "");
        else if (mode == OutputMode.Raw) { Raw(o, reply); o.WriteByte((byte)'\n'); }
        else { Csv(o, reply); o.WriteByte((byte)'\n'); }
        return o.ToArray();
    }

    static void Write(Stream o, string ascii) => o.Write(Encoding.UTF8.GetBytes(ascii));

    static void Tty(Stream o, Reply r, string prefix)
    {
        switch (r)
        {
            case ErrorReply e: Write(o, "(error) "); Write(o, e.Message); Write(o, "\n"); break;
            case StatusReply s: Write(o, s.Text); Write(o, "\n"); break;
            case IntegerReply i: Write(o, "(integer) " + i.Value.ToString(CultureInfo.InvariantCulture) + "\n"); break;
            case BulkReply b: Repr(o, b.Bytes); Write(o, "\n"); break;
            case NilReply: Write(o, "(nil)\n"); break;
            case ArrayReply { Items.Count: 0 }: Write(o, "(empty array)\n"); break;
            case ArrayReply a:
                var width = a.Items.Count.ToString(CultureInfo.InvariantCulture).Length;
                var inner = prefix + new string(' ', width + 2);
                for (var i = 0; i < a.Items.Count; i++)
                {
                    // The first entry's prefix is already written by the parent's index.
                    Write(o, (i == 0 ? "" : prefix) + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width) + ") ");
                    Tty(o, a.Items[i], inner);
                }
                break;
        }
    }

    static void Raw(Stream o, Reply r)
    {
        switch (r)
        {
            case NilReply: break;
            case ErrorReply e: Write(o, e.Message); Write(o, "\n"); break;
            case StatusReply s: Write(o, s.Text); break;
            case BulkReply b: o.Write(b.Bytes); break;
            case IntegerReply i: Write(o, i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case ArrayReply a:
                for (var i = 0; i < a.Items.Count; i++)
                {
                    if (i > 0) o.WriteByte((byte)'\n');
                    Raw(o, a.Items[i]);
                }
                break;
        }
    }

    static void Csv(Stream o, Reply r)
    {
        switch (r)
        {
            case ErrorReply e: Write(o, "ERROR,"); Repr(o, Encoding.UTF8.GetBytes(e.Message)); break;
            case StatusReply s: Repr(o, Encoding.UTF8.GetBytes(s.Text)); break;
            case IntegerReply i: Write(o, i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case BulkReply b: Repr(o, b.Bytes); break;
            case NilReply: Write(o, "NULL"); break;
            case ArrayReply a:
                for (var i = 0; i < a.Items.Count; i++)
                {
                    Csv(o, a.Items[i]);
                    if (i != a.Items.Count - 1) o.WriteByte((byte)',');
                }
                break;
        }
    }

    /// <summary>sdscatrepr: quoted, with \\ \" \n \r \t \a \b escaped and bytes outside printable ASCII as \xNN.</summary>
    public static void Repr(Stream o, ReadOnlySpan<byte> bytes)
    {
        o.WriteByte((byte)'"');
        foreach (var c in bytes)
        {
            switch (c)
            {
                case (byte)'\\': case (byte)'"': o.WriteByte((byte)'\\'); o.WriteByte(c); break;
                case (byte)'\n': Write(o, "\\n"); break;
                case (byte)'\r': Write(o, "\\r"); break;
                case (byte)'\t': Write(o, "\\t"); break;
                case 7: Write(o, "\\a"); break;
                case 8: Write(o, "\\b"); break;
                default:
                    if (c is >= 0x20 and <= 0x7e) o.WriteByte(c);
                    else Write(o, "\\x" + c.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        o.WriteByte((byte)'"');
    }

    public static string Repr(ReadOnlySpan<byte> bytes)
    {
        var o = new MemoryStream();
        Repr(o, bytes);
        return Encoding.Latin1.GetString(o.ToArray());
    }
}

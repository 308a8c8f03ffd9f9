using System.Text.Json;
using Serverless.Store.RdbFiles;
using Serverless.Store.Api;
using Serverless.Store.Commands;

namespace Serverless.Store.Persistence;

/// <summary>
/// <c>POST &lt;base&gt;/restore</c>, an admin operation (full-access token): loads an RDB file into
/// the store. <c>?snapshot=&lt;name&gt;</c> (or <c>latest</c>) takes a snapshot blob from the
/// <c>snapshots</c> container; otherwise the request body is the file (up to the router's body
/// limit, MaxRequestBodyBytes; larger files are uploaded to the container and restored by name).
/// <c>?mode=replace</c> (the default: the keyspace becomes the file) or <c>merge</c> (keys not in
/// the file stay). A bad file answers 400 and changes nothing. Answers
/// <c>{"result":{"keys":N,"expired":N,"removed":N,"ms":N,"rdb_version":N,"source":"..","mode":".."}}</c>.
/// </summary>
public static class RestoreEndpoint
{
    public static async Task<RestResponse> HandleAsync(SnapshotService? service, RestRequest request, Access granted, CancellationToken ct)
    {
        if (!request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase))
            return Answer(405, Error("ERR use POST for restore"));
        if (granted != Access.Full)
            return Answer(403, Error("NOPERM restore needs the full-access token"));
        if (service is null) return Answer(400, Error("ERR restore is not available: this host has no snapshot service"));

        var modeText = request.Query.TryGetValue("mode", out var m) ? m : "replace";
        RestoreMode mode;
        if (modeText.Equals("replace", StringComparison.OrdinalIgnoreCase)) mode = RestoreMode.Replace;
        else if (modeText.Equals("merge", StringComparison.OrdinalIgnoreCase)) mode = RestoreMode.Merge;
        else return Answer(400, Error($"ERR unknown restore mode '{modeText}': use mode=replace or mode=merge"));

        var snapshot = request.Query.TryGetValue("snapshot", out var s) && s.Length > 0 ? s : null;
        if (snapshot is not null && request.Body.Length > 0)
            return Answer(400, Error("ERR send either ?snapshot=<name> or an RDB file as the body, not both"));
        if (snapshot is null && request.Body.Length == 0)
            return Answer(400, Error("ERR send an RDB file as the body (up to the request body limit, MaxRequestBodyBytes), or ?snapshot=<name> (or latest) to restore a snapshot blob"));

        try
        {
            var result = snapshot is not null
                ? await service.RestoreSnapshotAsync(snapshot, mode, ct)
                : await service.RestoreAsync(_ => Task.FromResult<Stream>(new MemoryStream(request.Body, writable: false)), "request body", mode, ct);
            return Answer(200, Result(result));
        }
        catch (RdbFormatException e)
        {
            return Answer(400, Error($"ERR restore refused, nothing was changed: {e.Message}"));
        }
        catch (SnapshotNotFoundException e)
        {
            return Answer(404, Error($"ERR {e.Message}"));
        }
    }

    static byte[] Result(RestoreResult r)
    {
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteStartObject("result");
            json.WriteNumber("keys", r.Keys);
            json.WriteNumber("expired", r.ExpiredSkipped);
            json.WriteNumber("removed", r.Removed);
            json.WriteNumber("ms", r.DurationMs);
            json.WriteNumber("rdb_version", r.RdbVersion);
            json.WriteString("source", r.Source);
            json.WriteString("mode", r.Mode == RestoreMode.Replace ? "replace" : "merge");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return output.ToArray();
    }

    static byte[] Error(string message) => ReplyEncoder.Error(message);

    static RestResponse Answer(int status, byte[] body) => RestRouter.Respond(status, body);
}

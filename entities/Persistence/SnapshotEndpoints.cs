using System.Text.Json;
using Serverless.Store.RdbFiles;
using Serverless.Store.Api;
using Serverless.Store.Commands;

namespace Serverless.Store.Persistence;

/// <summary>
/// The snapshot routes below the base path. <c>POST &lt;base&gt;/restore</c>, an admin operation (full-access token): loads an RDB file into
/// the store. <c>?snapshot=&lt;name&gt;</c> (or <c>latest</c>) takes a snapshot blob from the
/// <c>snapshots</c> container; otherwise the request body is the file (up to the router's body
/// limit, MaxRequestBodyBytes; larger files are uploaded to the container and restored by name).
/// <c>?mode=replace</c> (the default: the keyspace becomes the file) or <c>merge</c> (keys not in
/// the file stay). A bad file answers 400 and changes nothing. Answers
/// <c>{"result":{"keys":N,"expired":N,"removed":N,"ms":N,"rdb_version":N,"source":"..","mode":".."}}</c>.
/// </summary>
public static class SnapshotEndpoints
{
    /// <summary>The routes the snapshot service adds below the base path, the same on both hosts.</summary>
    public static Dictionary<string, RestEndpoint> Routes(SnapshotService? service) => new()
    {
        ["restore"] = (request, granted, ct) => RestoreAsync(service, request, granted, ct),
        ["snapshots"] = (request, granted, ct) => FilesAsync(service, request, granted, ct),
        ["snapshots/"] = (request, granted, ct) => FilesAsync(service, request, granted, ct),
    };

    /// <summary>Restores a snapshot or an uploaded RDB file (see the class summary).</summary>
    public static async Task<RestResponse> RestoreAsync(SnapshotService? service, RestRequest request, Access granted, CancellationToken ct)
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

    /// <summary>Snapshot files are at most this big to download through the store (it holds the file in memory to answer).</summary>
    public const long MaxDownloadBytes = 512L * 1024 * 1024;

    /// <summary>
    /// <c>GET &lt;base&gt;/snapshots</c>: the snapshots with their metadata, newest first;
    /// <c>GET &lt;base&gt;/snapshots/&lt;name&gt;</c> (or <c>latest</c>): the RDB file itself.
    /// Full-access token only, as SAVE and restore: a snapshot holds every key.
    /// </summary>
    public static async Task<RestResponse> FilesAsync(SnapshotService? service, RestRequest request, Access granted, CancellationToken ct)
    {
        if (!request.Method.Equals("GET", StringComparison.OrdinalIgnoreCase))
            return RestRouter.Respond(405, Error("ERR use GET for snapshots"), ("Allow", "GET, OPTIONS"));
        if (granted != Access.Full)
            return Answer(403, Error("NOPERM snapshots need the full-access token"));
        if (service is null) return Answer(404, Error("ERR snapshots are not available: this host has no snapshot service"));

        var name = Uri.UnescapeDataString(request.RawPath.Trim('/')["snapshots".Length..].TrimStart('/'));
        if (name.Length == 0) return Answer(200, List(await service.ListAsync(ct), await service.LatestAsync(ct)));
        try
        {
            var (blob, bytes) = await service.SnapshotBlobAsync(name, ct);
            if (bytes > MaxDownloadBytes)
                return Answer(413, Error($"ERR snapshot '{blob.Name}' is {bytes} bytes, over the {MaxDownloadBytes}-byte download limit: download it from the storage account's '{SnapshotOptions.ContainerName}' container (az storage blob download)"));
            using var file = new MemoryStream((int)bytes);
            await blob.DownloadToAsync(file, ct);
            return RestRouter.Respond(200, file.ToArray(), ("Content-Type", "application/octet-stream"),
                ("Content-Disposition", $"attachment; filename=\"{blob.Name}\""), ("Cache-Control", "no-store"));
        }
        catch (SnapshotNotFoundException e)
        {
            return Answer(404, Error($"ERR {e.Message}"));
        }
    }

    static byte[] List(List<SnapshotInfo> snapshots, SnapshotInfo? latest)
    {
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteStartArray("result");
            foreach (var s in Enumerable.Reverse(snapshots))
            {
                json.WriteStartObject();
                json.WriteString("name", s.Name);
                json.WriteNumber("keys", s.Keys);
                json.WriteNumber("bytes", s.Bytes);
                json.WriteNumber("durationMs", s.DurationMs);
                json.WriteNumber("rdbVersion", s.RdbVersion);
                json.WriteString("crc64", s.Crc64);
                json.WriteNumber("createdMs", s.CreatedMs);
                json.WriteBoolean("latest", s.Name == latest?.Name);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return output.ToArray();
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

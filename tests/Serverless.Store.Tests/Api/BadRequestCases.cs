namespace Serverless.Store.Tests.Api;

/// <summary>A malformed request: what is sent, and the status and error fragment it must get.</summary>
public sealed record BadRequestCase(string Method, string Path, string? Body, string? Token, int Status, string Fragment)
{
    public override string ToString() => $"{Method} /{Path.TrimStart('/')} {(Body is { Length: > 80 } b ? b[..80] + "..." : Body)} (token {Token ?? "none"}) -> {Status} '{Fragment}'";
}

/// <summary>
/// The malformed requests every host must refuse, with the router's own limits: the router tests
/// run them over the in-memory store, the HTTP tests over the running standalone host.
/// </summary>
public static class BadRequestCases
{
    public static IReadOnlyList<BadRequestCase> For(Serverless.Store.Api.RestLimits limits, string full, string readOnly)
    {
        var big = new string('x', limits.MaxBodyBytes + 100);
        var manyArgs = "[" + string.Join(",", Enumerable.Repeat("\"a\"", limits.MaxArguments + 1)) + "]";
        var manyCommands = "[" + string.Join(",", Enumerable.Repeat("[\"SET\",\"k\",\"v\"]", limits.MaxCommands + 1)) + "]";
        return
        [
            // method, path, body, token, status, error fragment
            new("PUT", "", """["SET","k","v"]""", full, 405, "not allowed"),
            new("DELETE", "/del/k", null, full, 405, "not allowed"),
            new("PATCH", "", "[]", full, 405, "not allowed"),
            new("POST", "", """["SET","k","v"]""", null, 401, "unauthorized"),
            new("POST", "", """["SET","k","v"]""", "wrong", 401, "unauthorized"),
            new("POST", "", """["SET","k","v"]""", "", 401, "unauthorized"),
            new("GET", "/set/k/v", null, full[..^1], 401, "unauthorized"),
            new("POST", "", "", full, 400, "empty request body"),
            new("POST", "", "not json", full, 400, "not valid JSON"),
            new("POST", "", "{\"cmd\":\"SET\"}", full, 400, "JSON array"),
            new("POST", "", "\"SET k v\"", full, 400, "JSON array"),
            new("POST", "", "42", full, 400, "JSON array"),
            new("POST", "", "null", full, 400, "JSON array"),
            new("POST", "", "[]", full, 400, "empty command"),
            new("POST", "", "[\"SET\",\"k\"", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\",\"k\",\"v\"] []", full, 400, "unexpected data"),
            new("POST", "", "[\"SET\",\"k\",null]", full, 400, "is null"),
            new("POST", "", "[\"SET\",\"k\",{\"a\":1}]", full, 400, "not a string or number"),
            new("POST", "", "[\"SET\",\"k\",[\"v\"]]", full, 400, "not a string or number"),
            new("POST", "", "[[[[[\"deep\"]]]]]", full, 400, ""),
            new("POST", "", "[\"SET\",'k','v']", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\",\"k\",\"v\",]", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\" \"k\"]", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\",\"k\",01]", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\",\"k\",\"\\u12\"]", full, 400, "not valid JSON"),
            new("POST", "", "[\"SET\",\"k\",\"" + big + "\"]", full, 413, "byte limit"),
            new("POST", "", manyArgs, full, 400, $"at most {limits.MaxArguments} arguments"),
            new("POST", "", "[\"NOSUCHCMD\",\"k\"]", full, 400, "ERR unknown command 'NOSUCHCMD', with args beginning with: 'k' "),
            new("POST", "", "[\"GET\"]", full, 400, "ERR wrong number of arguments for 'get' command"),
            new("POST", "", "[\"GET\",\"a\",\"b\"]", full, 400, "ERR wrong number of arguments for 'get' command"),
            new("POST", "", "[\"SET\",\"k\",\"v\",\"EX\",\"x\"]", full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", "[\"SET\",\"k\",\"v\",\"EX\",0]", full, 400, "ERR invalid expire time in 'set' command"),
            new("POST", "", "[\"SET\",\"k\",\"v\",\"NX\",\"XX\"]", full, 400, "ERR syntax error"),
            new("POST", "", "[\"SET\",\"k\",\"v\",\"BOGUS\"]", full, 400, "ERR syntax error"),
            new("POST", "", "[\"INCRBY\",\"k\",\"1.5\"]", full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", "[\"INCRBY\",\"k\",1.5]", full, 400, "ERR value is not an integer or out of range"),
            new("POST", "", "[\"ZADD\",\"z\",\"abc\",\"m\"]", full, 400, "ERR value is not a valid float"),
            new("POST", "", "[\"ZADD\",\"z\",\"NX\",\"XX\",1,\"m\"]", full, 400, "ERR XX and NX options at the same time are not compatible"),
            new("POST", "", "[\"HSET\",\"h\",\"f\"]", full, 400, "ERR wrong number of arguments for 'hset' command"),
            new("POST", "", "[\"HSET\",\"h\",\"f\",\"v\",\"g\"]", full, 400, "ERR wrong number of arguments for 'hset' command"),
            new("POST", "", "[\"LPOP\",\"l\",-1]", full, 400, "ERR value is out of range, must be positive"),
            new("POST", "", "[\"EXPIRE\",\"k\",10,\"NX\",\"XX\"]", full, 400, "ERR NX and XX, GT or LT options at the same time are not compatible"),
            new("POST", "", "[\"ZRANGE\",\"z\",0,1,\"LIMIT\",0,1]", full, 400, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
            new("POST", "", "[\"ZRANGEBYSCORE\",\"z\",\"a\",\"b\"]", full, 400, "ERR min or max is not a float"),
            new("POST", "", "[\"ZRANGEBYLEX\",\"z\",\"a\",\"b\"]", full, 400, "ERR min or max not valid string range item"),
            new("POST", "", "[\"SINTERCARD\",0,\"a\"]", full, 400, "ERR numkeys should be greater than 0"),
            new("POST", "", "[\"SCAN\",\"abc\"]", full, 400, "ERR invalid cursor"),
            new("POST", "", "[\"SCAN\",0,\"COUNT\",0]", full, 400, "ERR syntax error"),
            new("POST", "", "[\"MULTI\"]", full, 400, "/multi-exec"),
            new("POST", "", "[\"EXEC\"]", full, 400, "/multi-exec"),
            new("POST", "", "[\"WATCH\",\"k\"]", full, 400, "WATCH"),
            new("POST", "", "[\"SELECT\",1]", full, 400, "one database"),
            new("POST", "", "[\"AUTH\",\"x\"]", full, 400, "Bearer"),
            new("POST", "", "[\"SET\",\"k\",\"v\"]", readOnly, 403, "NOPERM"),
            new("POST", "", "[\"DEL\",\"k\"]", readOnly, 403, "NOPERM"),
            new("POST", "", "[\"FLUSHALL\"]", readOnly, 403, "NOPERM"),
            new("GET", "/set/k/v", null, readOnly, 403, "NOPERM"),
            new("POST", "/pipeline", "", full, 400, "empty request body"),
            new("POST", "/pipeline", "[]", full, 400, "no commands"),
            new("POST", "/pipeline", "[\"SET\",\"k\",\"v\"]", full, 400, "not an array"),
            new("POST", "/pipeline", "[[\"SET\",\"k\",\"v\"],\"GET\"]", full, 400, "command 2 is not an array"),
            new("POST", "/pipeline", "[[\"SET\",\"k\",\"v\"],[]]", full, 400, "empty command in command 2"),
            new("POST", "/pipeline", "[[\"SET\",\"k\",null]]", full, 400, "is null"),
            new("POST", "/pipeline", "{}", full, 400, "JSON array of commands"),
            new("POST", "/pipeline", manyCommands, full, 413, $"at most {limits.MaxCommands} commands"),
            new("POST", "/pipeline", "[[\"SET\",\"k\",\"v\"]", full, 400, "not valid JSON"),
            new("GET", "/pipeline", null, full, 405, "use POST"),
            new("POST", "/multi-exec", "", full, 400, "empty request body"),
            new("POST", "/multi-exec", "[]", full, 400, "no commands"),
            new("POST", "/multi-exec", "[[\"SET\",\"k\",\"v\"],[\"GET\"]]", full, 400, "EXECABORT"),
            new("POST", "/multi-exec", "[[\"SET\",\"k\",\"v\"],[\"NOPE\"]]", full, 400, "EXECABORT"),
            new("POST", "/multi-exec", "[[\"GET\",\"k\"],[\"SET\",\"k\",\"v\"]]", readOnly, 403, "NOPERM"),
            new("POST", "/multi-exec", manyCommands, full, 413, $"at most {limits.MaxCommands} commands"),
            new("GET", "/multi-exec", null, full, 405, "use POST"),
            new("POST", "/multi-exec", "[[\"SET\",\"k\",\"v\"]] x", full, 400, "unexpected data"),
        ];
    }
}

using Serverless.Store.Tests.Oracle;
using static Serverless.Store.Tests.Scripting.ScriptCorpus;

namespace Serverless.Store.Tests.Scripting;

/// <summary>Lua values to replies and replies to Lua values, against redis-server 7.0.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class ConversionDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Lua_values_become_replies() => diff.Run(
        Eval("return 1"),
        Eval("return -7"),
        Eval("return 3.99"),
        Eval("return -3.99"),
        Eval("return 2^53"),
        Eval("return 2^63"),
        Eval("return -(2^63)"),
        Eval("return 0/0"),
        Eval("return 1/0"),
        Eval("return 1e300"),
        Eval("return 'hello'"),
        Eval("return ''"),
        Eval("return true"),
        Eval("return false"),
        Eval("return nil"),
        Eval("return {}"),
        Eval("return {1, 2, 3}"),
        Eval("return {1, 'two', 3.5, true, false}"),
        Eval("return {1, 2, nil, 4}"),
        Eval("return {1, {2, {3, {4}}}, 'x'}"),
        Eval("return {a = 1, b = 2}"),
        Eval("return {1, 2, a = 3}"),
        Eval("return {ok = 'FINE'}"),
        Eval("return {ok = 'line\\r\\nbreak'}"),
        Eval("return {err = 'MYERR something'}"),
        Eval("return {err = 'no code'}"),
        Eval("return {err = 'multi\\nline'}"),
        Eval("return {err = 1}"),
        Eval("return {ok = 1}"),
        Eval("return {double = 3.5}"),
        Eval("return {double = 1/0}"),
        Eval("return {big_number = '123456789012345678901234567890'}"),
        Eval("return {map = {a = 1}}"),
        Eval("return {set = {a = true}}"),
        Eval("return {verbatim_string = {format = 'txt', string = 'hi'}}"),
        Eval("return function() end"),
        Eval("return KEYS", "k1"),
        EvalKeys("return KEYS", 2, "k1", "k2", "a1"),
        EvalKeys("return ARGV", 1, "k1", "a1", "a2"),
        EvalKeys("return {#KEYS, #ARGV}", 0, "a", "b", "c"),
        Eval("return 1", "x", "y"));

    [Fact]
    public void Replies_become_lua_values() => diff.Run(
        Command("SET", "s", "abc"),
        Command("RPUSH", "l", "a", "b", "c"),
        Command("HSET", "h", "f", "v"),
        Eval("return redis.call('get', 's')"),
        Eval("return type(redis.call('get', 's'))"),
        Eval("return type(redis.call('get', 'nosuch'))"),
        Eval("return redis.call('get', 'nosuch') == false"),
        Eval("return type(redis.call('incr', 'n'))"),
        Eval("return redis.call('incr', 'n') + 1"),
        Eval("return type(redis.call('lrange', 'l', 0, -1))"),
        Eval("return #redis.call('lrange', 'l', 0, -1)"),
        Eval("return redis.call('lrange', 'l', 0, -1)"),
        Eval("return redis.call('set', 'x', 'y')"),
        Eval("return redis.call('set', 'x', 'y').ok"),
        Eval("return type(redis.call('set', 'x', 'y'))"),
        Eval("return redis.call('ping')"),
        Eval("return redis.pcall('incr', 's')"),
        Eval("return redis.pcall('incr', 's').err"),
        Eval("return type(redis.pcall('incr', 's'))"),
        Eval("return redis.call('hgetall', 'h')"),
        Eval("return redis.call('exists', 's', 'l', 'nosuch')"),
        Eval("return redis.call('lpop', 'nosuch', 2) == false"),
        Eval("return redis.call('set', 'n2', 10.5)"),
        Eval("return redis.call('get', 'n2')"),
        Eval("return redis.call('set', 'n2', 1e20)"),
        Eval("return redis.call('get', 'n2')"),
        Eval("return redis.call('set', 'n2', 0.1)"),
        Eval("return redis.call('get', 'n2')"),
        Eval("return redis.call('set', 'n2', 7)"),
        Eval("return redis.call('get', 'n2')"),
        Eval("return redis.call('set', 'n2', 10/2)"),
        Eval("return redis.call('get', 'n2')"));

    [Fact]
    public void Numbers_print_as_lua_5_1_prints_them() => diff.Run(
        Eval("return tostring(10/2)"),
        Eval("return tostring(10/3)"),
        Eval("return tostring(2^63)"),
        Eval("return tostring(123456789012345)"),
        Eval("return tostring(0/0) .. tostring(-(0/0)) .. tostring(1/0) .. tostring(-1/0)"),
        Eval("return tostring(-0.0)"),
        Eval("return tostring(1e15)"),
        Eval("return tostring(0.1)"),
        Eval("return string.format('%s %s', 5, 2.5)"),
        Eval("return string.format('%d', 3.7)"),
        Eval("return string.format('%d', '42')"),
        Eval("return string.format('%5.2f|%x|%g', 3.14159, 255, 1e20)"),
        Eval("return string.format('%q', 'a\\nb\"c')"),
        Eval("return tonumber('0x10') + tonumber('  12  ')"),
        Eval("return tonumber('1e2')"),
        Eval("return tonumber('abc') == nil"),
        Eval("return 'n' .. 10"),
        Eval("return 'n' .. 10/4"),
        Eval("return math.floor(10/3)"),
        Eval("return tostring(math.floor(10/3))"),
        Eval("return 7 % 3"),
        Eval("return tostring(2^31)"));
}

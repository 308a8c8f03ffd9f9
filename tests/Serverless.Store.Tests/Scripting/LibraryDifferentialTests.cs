using Serverless.Store.Tests.Oracle;
using static Serverless.Store.Tests.Scripting.ScriptCorpus;

namespace Serverless.Store.Tests.Scripting;

/// <summary>cjson, cmsgpack, bit, struct, redis.sha1hex, math.random and the 5.1 shims, against redis-server 7.0.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class LibraryDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Cjson_encodes_as_redis() => diff.Run(
        Eval("return cjson.encode({1, 2, 3})"),
        Eval("return cjson.encode({})"),
        Eval("return cjson.encode({a = 1})"),
        Eval("return cjson.encode({a = {b = {c = {1, 'x', true, false}}}})"),
        Eval("return cjson.encode('a\"b\\\\c/d\\n\\t\\1\\127é')"),
        Eval("return cjson.encode(3.14159265358979)"),
        Eval("return cjson.encode(10/2)"),
        Eval("return cjson.encode(1e20)"),
        Eval("return cjson.encode(-0.0)"),
        Eval("return cjson.encode(123456789012345678)"),
        Eval("return cjson.encode(0.1)"),
        Eval("return cjson.encode(cjson.null)"),
        Eval("return cjson.encode({1, cjson.null, 3})"),
        Eval("return cjson.encode(nil)"),
        Eval("return cjson.encode(true)"),
        Eval("return cjson.encode({[1] = 'a', [2] = 'b', [4] = 'd'})"),
        Eval("return cjson.encode({[1] = 'a', [20] = 'b'})"),
        Eval("return cjson.encode({[1.5] = 'a'})"),
        Eval("return cjson.encode({[3] = 'x'})"),
        Eval("return cjson.encode(function() end)"),
        Eval("return cjson.encode({f = function() end})"),
        Eval("return cjson.encode({[true] = 1})"),
        Eval("return cjson.encode(0/0)"),
        Eval("return cjson.encode(1/0)"),
        Eval("return cjson.encode()"),
        Eval("return cjson.encode(1, 2)"),
        Eval("local t = {}\nt[1] = t\nreturn cjson.encode(t)"),
        Eval("local t = {}\nlocal c = t\nfor i = 1, 1001 do c[1] = {}\nc = c[1] end\nreturn cjson.encode(t)"),
        Eval("cjson.encode_max_depth(2)\nreturn cjson.encode({{{1}}})"),
        Eval("return {cjson.encode_number_precision(3), cjson.encode(math.pi)}"),
        Eval("cjson.encode_sparse_array(true)\nreturn cjson.encode({[1] = 'a', [20] = 'b'})"),
        Eval("cjson.encode_invalid_numbers(true)\nreturn cjson.encode(1/0)"),
        Eval("return cjson.encode_number_precision(15)"),
        Eval("return {cjson._NAME, cjson._VERSION, type(cjson.null)}"));

    [Fact]
    public void Cjson_decodes_as_redis() => diff.Run(
        Eval("return cjson.decode('[1,2,3]')"),
        Eval("return cjson.decode('{\"a\":{\"b\":[1,\"x\"]}}').a.b"),
        Eval("return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00 \\\\n\\\\/\"')"),
        Eval("return tostring(cjson.decode('1.5'))"),
        Eval("return tostring(cjson.decode('10'))"),
        Eval("return tostring(cjson.decode('1e2'))"),
        Eval("return tostring(cjson.decode('-0'))"),
        Eval("return cjson.decode('null') == cjson.null"),
        Eval("return cjson.decode('[true,false,null]')[3] == cjson.null"),
        Eval("return cjson.decode('  [ 1 , 2 ]  ')"),
        Eval("return cjson.encode(cjson.decode('{\"k\":[1,2,{\"x\":null}]}'))"),
        Eval("return cjson.decode('[1,')"),
        Eval("return cjson.decode('{1:2}')"),
        Eval("return cjson.decode('[1 2]')"),
        Eval("return cjson.decode('')"),
        Eval("return cjson.decode('tru')"),
        Eval("return cjson.decode('\"abc')"),
        Eval("return cjson.decode('[1] x')"),
        Eval("return cjson.decode('{\"a\" 1}')"),
        Eval("return cjson.decode('{\"a\":1,}')"),
        Eval("return cjson.decode('\"\\\\x\"')"),
        Eval("return cjson.decode('\"\\\\udc00\"')"),
        Eval("return cjson.decode('-')"),
        Eval("return tostring(cjson.decode('0x10'))"),
        Eval("return tostring(cjson.decode('1e400'))"),
        Eval("return cjson.decode('[' .. string.rep('[', 1000) .. string.rep(']', 1000) .. ']')"),
        Eval("return cjson.decode(string.rep('[', 1001))"),
        Eval("return cjson.decode('\\0a')"),
        Eval("return cjson.decode()"),
        Eval("return cjson.decode({})"),
        Eval("return cjson.decode(42)"));

    [Fact]
    public void Cmsgpack_packs_and_unpacks_as_redis() => diff.Run(
        Eval("return cmsgpack.pack(1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -129, -32769, 4294967296, -2147483649)"),
        Eval("return cmsgpack.pack(1.5, 0.1, 3.0, 1e300, 0/0, 1/0)"),
        Eval("return cmsgpack.pack('', 'abc', string.rep('x', 40), string.rep('y', 300), string.rep('z', 70000))"),
        Eval("return cmsgpack.pack({1, 2, 3}, {}, {a = 1}, true, false, nil)"),
        Eval("return cmsgpack.pack({1, 2, nil, 4})"),
        Eval("local t = {}\nfor i = 1, 20 do t[i] = i end\nreturn cmsgpack.pack(t)"),
        Eval("local t = {}\nt[1] = t\nreturn cmsgpack.pack(t)"),
        Eval("return cmsgpack.pack()"),
        Eval("return cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}}))"),
        Eval("return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}"),
        Eval("return tostring(cmsgpack.unpack(cmsgpack.pack(1.5)))"),
        Eval("return cmsgpack.unpack(cmsgpack.pack({k = 'v'})).k"),
        Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
        Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
        Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
        Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}"),
        Eval("return cmsgpack.unpack('\\205')"),
        Eval("return cmsgpack.unpack('\\193')"),
        Eval("return cmsgpack.unpack_one('abc', 10)"),
        Eval("return cmsgpack.unpack_one('abc', -1)"),
        Eval("return #{cmsgpack.unpack('')}"),
        Eval("return {cmsgpack._NAME, cmsgpack._VERSION}"));

    [Fact]
    public void Bit_operates_as_luabitop() => diff.Run(
        Eval("return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5)}"),
        Eval("return {bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(5, 3)}"),
        Eval("return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8)}"),
        Eval("return {bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tohex(0x1234, 2), bit.tohex(1, 20)}"),
        Eval("return bit.band('12', '10')"),
        Eval("return bit.band('x', 1)"),
        Eval("return bit.tobit()"));

    [Fact]
    public void Struct_packs_as_redis() => diff.Run(
        Eval("return struct.pack('>i2<i2bBhHlLi8d f', 1, 2, -3, 250, -5, 65000, -7, 8, 9, 1.5, 2.5)"),
        Eval("return struct.pack('!4 b i4 b d', 1, 2, 3, 4.25)"),
        Eval("return struct.pack('s c3 c0 x', 'abc', 'defg', 'hi')"),
        Eval("return {struct.unpack('>i2<i2', struct.pack('>i2<i2', -300, 300))}"),
        Eval("return {struct.unpack('s c2 B', 'hello\\0abZ')}"),
        Eval("return {struct.unpack('b c0', '\\3abc')}"),
        Eval("return {struct.unpack('d', struct.pack('d', 0.1))}"),
        Eval("return {struct.unpack('I', struct.pack('I', 4294967295))}"),
        Eval("return {struct.unpack('B', 'xyz', 2)}"),
        Eval("return {struct.size('!8 b d'), struct.size('i3 h')}"),
        Eval("return struct.pack('z')"),
        Eval("return struct.pack('i40', 1)"),
        Eval("return struct.pack('!3 i', 1)"),
        Eval("return struct.pack('c5', 'ab')"),
        Eval("return struct.unpack('i4', 'ab')"),
        Eval("return struct.unpack('s', 'abc')"),
        Eval("return struct.unpack('B', 'x', 0)"),
        Eval("return struct.size('s')"),
        Eval("return struct.pack('i', 'x')"));

    [Fact]
    public void Sha1hex_random_and_51_shims_match() => diff.Run(
        Eval("return redis.sha1hex('')"),
        Eval("return redis.sha1hex('hello world')"),
        Eval("return redis.sha1hex(123)"),
        Eval("return redis.sha1hex()"),
        Eval("return redis.sha1hex('a', 'b')"),
        Eval("math.randomseed(42)\nreturn {math.random(100), math.random(1, 6), math.random(1000000)}"),
        Eval("math.randomseed(7)\nreturn tostring(math.random())"),
        Eval("math.randomseed(0)\nlocal t = {}\nfor i = 1, 10 do t[i] = math.random(10) end\nreturn t"),
        Eval("return math.random(0)"),
        Eval("return math.random(5, 1)"),
        Eval("return math.random(1, 2, 3)"),
        Eval("return {unpack({1, 2, 3})}"),
        Eval("return {unpack({1, 2, 3}, 2)}"),
        Eval("return {unpack({1, 2, 3}, 2, 3)}"),
        Eval("return table.getn({1, 2, 3})"),
        Eval("return table.maxn({1, 2, [10] = 3})"),
        Eval("local n = 0\ntable.foreach({a = 1}, function(k, v) n = n + v end)\nreturn n"),
        Eval("local s = ''\ntable.foreachi({'a', 'b'}, function(i, v) s = s .. i .. v end)\nreturn s"),
        Eval("return table.setn({}, 1)"),
        Eval("return {math.mod(7, 3), math.pow(2, 10), math.floor(math.log10(1000)), math.ldexp(1, 4)}"),
        Eval("return {math.frexp(8)}"),
        Eval("return tostring(math.atan2(1, 1))"),
        Eval("return tostring(math.cosh(0)) .. tostring(math.sinh(0)) .. tostring(math.tanh(0))"),
        Eval("local t = {}\nfor w in string.gfind('a b c', '%a') do t[#t + 1] = w end\nreturn t"),
        Eval("return {string.format('%5.1f|%-5d|%05d', 3.14159, 42, 7), string.format('%c%c', 72, 105)}"),
        Eval("return string.format('%d')"),
        Eval("return string.format('%y', 1)"),
        Eval("return {string.byte('ABC', 1, -1)}"),
        Eval("return {string.find('hello world', 'o w'), string.match('key:123', '(%a+):(%d+)')}"),
        Eval("return {string.gsub('hello', 'l', 'L'), string.upper('x'), string.reverse('abc'), string.sub('hello', 2, -2)}"),
        Eval("return table.concat({1, 2, 3}, ',')"),
        Eval("local t = {3, 1, 2}\ntable.sort(t)\nreturn t"),
        Eval("local t = {3, 1, 2}\ntable.sort(t, function(a, b) return a > b end)\nreturn t"),
        Eval("local t = {1, 2}\ntable.insert(t, 3)\ntable.insert(t, 1, 0)\nreturn {table.remove(t), t[1], #t}"),
        Eval("return select('#', 1, 2, 3)"),
        Eval("return {select(2, 'a', 'b', 'c')}"),
        Eval("return {type(1), type('a'), type({}), type(nil), type(true), type(print == nil)}"),
        Eval("return tostring(nil) .. tostring(true)"),
        Eval("return gcinfo() > 0"),
        Eval("return {string.len('abc'), #'abcd', ('x'):len()}"));
}

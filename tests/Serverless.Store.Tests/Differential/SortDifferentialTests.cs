using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>SORT and SORT_RO against redis-server 7.0: orders, LIMIT, BY and GET patterns, STORE, errors.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class SortDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    /// <summary>
    /// Redis's SORT tests strtod's errno without clearing it first, so once a command left ERANGE
    /// behind (a SORT of 1e400 does), numeric SORTs fail until something clears it; ZADD does
    /// (string2d sets errno = 0). The store has no such state: every sequence starts clear.
    /// </summary>
    const string ClearErrno = "ZADD errno-reset 0 x";

    void Run(params string[] commands) => diff.Run([ClearErrno, "DEL errno-reset", .. commands]);

    [Fact]
    public void Numeric_and_alpha_orders() => Run(
        "RPUSH l 3 1 2 10 -5 2.5 1e2 0x10 \"\" \" 7\"",
        "SORT l",
        "SORT l DESC",
        "SORT l ASC",
        "SORT l ALPHA",
        "SORT l ALPHA DESC",
        "SORT_RO l",
        "RPUSH bad 1 x 2",
        "SORT bad",
        "SORT bad ALPHA",
        "RPUSH huge 1 1e400",
        "SORT huge",
        ClearErrno,
        "RPUSH tiny 1 1e-400",
        "SORT tiny",
        ClearErrno,
        "RPUSH nan 1 nan",
        "SORT nan",
        "RPUSH inf 1 inf -inf +INF",
        "SORT inf",
        "RPUSH ties 1 01 1.0 +1",
        "SORT ties",
        "SORT ties DESC",
        "SORT nosuch",
        "SORT nosuch ALPHA LIMIT 0 1");

    [Fact]
    public void Sets_and_sorted_sets() => Run(
        "SADD s 5 3 9 1",
        "SORT s",
        "SORT s DESC LIMIT 1 2",
        "SADD w b a c",
        "SORT w ALPHA",
        "SORT w BY nosort STORE dst",
        "LRANGE dst 0 -1",
        "SADD ints 3 1 2",
        "SORT ints BY nosort",
        "ZADD z 3 c 1 a 2 b",
        "SORT z ALPHA",
        "SORT z BY nosort",
        "SORT z BY nosort DESC",
        "SORT z BY nosort LIMIT 1 1",
        "SORT z BY nosort DESC LIMIT 1 5",
        "OBJECT ENCODING z",
        "ZSCAN z 0",
        "ZADD zn 1 10 2 9 3 8",
        "SORT zn",
        "SET str v",
        "SORT str",
        "SORT_RO str",
        "HSET h f v",
        "SORT h");

    [Fact]
    public void Limit_in_every_corner() => Run(
        "RPUSH l 5 4 3 2 1",
        "SORT l LIMIT 0 2",
        "SORT l LIMIT 2 10",
        "SORT l LIMIT -1 2",
        "SORT l LIMIT 4 1",
        "SORT l LIMIT 5 1",
        "SORT l LIMIT 100 1",
        "SORT l LIMIT 0 0",
        "SORT l LIMIT 0 -1",
        "SORT l LIMIT 0 -5",
        "SORT l LIMIT 1 -1 DESC",
        "SORT l BY nosort LIMIT 1 2",
        "SORT l BY nosort DESC LIMIT 1 2",
        "SORT l BY nosort LIMIT 5 2",
        "SORT l BY nosort LIMIT 0 0",
        "SORT l LIMIT 9223372036854775807 9223372036854775807",
        "SORT l LIMIT -9223372036854775808 -9223372036854775808",
        "SORT l LIMIT x 1",
        "SORT l LIMIT 1 x",
        "SORT l LIMIT 1",
        "SORT l LIMIT");

    [Fact]
    public void By_and_get_patterns_read_other_keys() => Run(
        "RPUSH ids 1 2 3 4",
        "MSET w_1 40 w_2 10 w_3 30 name_1 one name_2 two name_3 three",
        "HSET obj_1 score 3 name uno",
        "HSET obj_2 score 1 name dos",
        "HSET obj_4 score 2",
        "SORT ids BY w_*",
        "SORT ids BY w_* DESC",
        "SORT ids BY w_* GET name_*",
        "SORT ids BY w_* GET # GET name_*",
        "SORT ids BY w_* GET name_* GET nosuch_* GET #",
        "SORT ids BY obj_*->score",
        "SORT ids BY obj_*->score GET obj_*->name GET #",
        "SORT ids BY obj_*->nosuch",
        "SORT ids GET obj_*->",
        "SORT ids GET obj_*->name GET w_*->score",
        "SORT ids BY name_* ALPHA",
        "SORT ids BY name_* ALPHA DESC",
        "SORT ids BY name_* ALPHA GET name_*",
        "SORT ids BY nosuch_* ALPHA",
        "SORT ids BY w_* LIMIT 1 2 GET name_*",
        "SORT ids BY constant GET name_*",
        "SORT ids GET constant",
        "SORT ids GET #",
        "SORT ids GET *",
        "SET 1 one",
        "SORT ids GET *",
        "SORT ids BY obj_*->score GET obj_*",
        "RPUSH l x",
        "SORT ids BY l",
        "SORT ids BY l*",
        "MSET w_1 x",
        "SORT ids BY w_*",
        "SORT ids BY w_* ALPHA");

    [Fact]
    public void Patterns_with_several_stars_and_arrows() => Run(
        "RPUSH ids a b",
        "MSET k_a_* 1 k_b_* 2 x_a->y 5",
        "HSET h_a f->g 7",
        "SORT ids BY k_*_* ALPHA GET k_*_*",
        "SORT ids GET x_*->y",
        "SORT ids GET h_*->f->g",
        "SORT ids GET #x",
        "SORT ids GET ##");

    [Fact]
    public void Store_writes_a_list() => Run(
        "RPUSH l 3 1 2",
        "SORT l STORE dst",
        "LRANGE dst 0 -1",
        "TYPE dst",
        "SET dst v EX 100",
        "SORT l DESC STORE dst",
        "TTL dst",
        "LRANGE dst 0 -1",
        "MSET w_1 a w_3 c",
        "SORT l BY nosort GET w_* STORE dst",
        "LRANGE dst 0 -1",
        "SORT l LIMIT 5 5 STORE dst",
        "EXISTS dst",
        "SORT nosuch STORE dst2",
        "SORT l STORE dst STORE dst3",
        "EXISTS dst dst3",
        "SORT l STORE l",
        "LRANGE l 0 -1",
        "SORT_RO l STORE dst",
        "SORT l STORE",
        "COMMAND GETKEYS SORT l STORE a LIMIT 0 1 STORE b",
        "COMMAND GETKEYS SORT l LIMIT store 1 GET store BY store",
        "COMMAND GETKEYS SORT_RO l STORE a",
        "COMMAND GETKEYS SORT l");

    [Fact]
    public void Options_and_errors_in_redis_order() => Run(
        "RPUSH l 1",
        "SET s v",
        "SORT s FOO",
        "SORT s LIMIT x 1",
        "SORT s BY",
        "SORT s GET",
        "SORT s",
        "sort l desc alpha asc",
        "SORT l ALPHA ALPHA",
        "SORT l BY w_* BY nosort",
        "SORT",
        "SORT_RO");
}

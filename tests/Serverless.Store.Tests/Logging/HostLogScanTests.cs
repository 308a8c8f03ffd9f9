using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests.Logging;

/// <summary>
/// The check every line a store host process writes in the tests goes through (SecretsLogged): it must catch a
/// secret anywhere in a line, say where without repeating it, and fail when asked at the end.
/// </summary>
public sealed class HostLogScanTests
{
    const string Token = "a-token-0123456789abcdef", Key = "c2VjcmV0LWtleQ==";

    [Fact]
    public void A_line_holding_a_secret_is_reported_where_never_what()
    {
        var scan = new SecretScan(() => [Token, Key]);
        scan.Check("host", "an ordinary line");
        scan.ThrowIfFound();
        Assert.Empty(scan.Found);

        scan.Check("host", "Authorization: Bearer " + Token + "x");
        scan.Check("host2", "AccountKey=" + Key + ";");
        Assert.Equal(["[host] a line holds secret #1 at character 22", "[host2] a line holds secret #2 at character 11"], scan.Found);
        var failure = Assert.Throws<Xunit.Sdk.XunitException>(scan.ThrowIfFound);
        Assert.DoesNotContain(Token, failure.Message);
        Assert.DoesNotContain(Key, failure.Message);
    }
}

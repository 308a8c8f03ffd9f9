using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Serverless.Store.Http;

namespace Serverless.Store.Tests.Logging;

/// <summary>Every credential form the store and its hosts handle is masked in whatever a logger provider writes.</summary>
public sealed class LogRedactionTests
{
    /// <summary>What a sink would write of each record: message, structured values, exception.</summary>
    static IReadOnlyList<string> Lines(FakeLoggerProvider capture) => capture.Collector.GetSnapshot()
        .Select(r => $"{r.Level} {r.Category}: {r.Message} [{string.Join(", ", (r.StructuredState ?? []).Select(p => $"{p.Key}={p.Value}"))}] {r.Exception}")
        .ToList();

    const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6InN1YnNjcmliZSJ9.c2lnbmF0dXJlX29mX3RoZV90b2tlbg";

    [Theory]
    [InlineData("GET http://127.0.0.1:7071/api/get/k?_token=s3cr3t-token", "s3cr3t-token")]
    [InlineData("GET /api/get/k?mode=x&_token=s3cr3t-token&y=1", "s3cr3t-token")]
    [InlineData("/signalr/store?id=abc&access_token=" + Jwt, Jwt)]
    [InlineData("Authorization: Bearer s3cr3t-token", "s3cr3t-token")]
    [InlineData("subscribe token " + Jwt + " refused", "eyJzY29wZSI6InN1YnNjcmliZSJ9")]
    [InlineData("Endpoint=http://localhost;Port=8888;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;", "Eby8vdM02xNOcqFlq")]
    [InlineData("https://acct.blob.core.windows.net/snapshots/x.rdb?sv=2024&sig=abcDEF%2Bsig", "abcDEF")]
    public void Each_credential_form_is_masked(string line, string secret)
    {
        var redacted = LogRedaction.Redact(line)!;
        Assert.DoesNotContain(secret, redacted);
        Assert.Contains(LogRedaction.Mask, redacted);
    }

    [Fact]
    public void Text_without_credentials_is_unchanged() =>
        Assert.Equal("GET /api/get/token?x=1 -> 200 (Bearer)", LogRedaction.Redact("GET /api/get/token?x=1 -> 200 (Bearer)"));

    [Fact]
    public void A_wrapped_provider_masks_messages_structured_values_and_exceptions()
    {
        var capture = new FakeLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        services.AddLogRedaction();
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

        // As ASP.NET Core logs a request: the query string is a structured value (a struct), not text.
        logger.LogInformation("Request starting {Method} {Path}{QueryString}", "GET", "/api/get/k", new QueryString("?_token=s3cr3t-token"));
        logger.LogError(new HttpRequestException("refused: https://x.service.signalr.net/api/hubs/store?access_token=" + Jwt), "send failed");

        Assert.Equal(2, Lines(capture).Count);
        Assert.All(Lines(capture), line =>
        {
            Assert.DoesNotContain("s3cr3t-token", line);
            Assert.DoesNotContain(Jwt, line);
        });
        Assert.Contains("?_token=***", Lines(capture)[0]);
        Assert.Contains("refused: https://x.service.signalr.net/api/hubs/store?access_token=***", Lines(capture)[1]);
    }
}

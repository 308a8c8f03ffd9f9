namespace Serverless.Store.Api;

/// <summary>
/// An HTTP request as the router sees it, free of ASP.NET and Functions types so both hosts map
/// onto it in a few lines. <see cref="RawPath"/> is the path below the REST base, still
/// percent-encoded (keys are binary-safe, so the router decodes segments to bytes itself).
/// </summary>
public sealed record RestRequest(
    string Method,
    string RawPath,
    IReadOnlyDictionary<string, string> Query,
    Func<string, string?> Header,
    byte[] Body,
    string? RemoteAddress = null);

public sealed record RestResponse(int Status, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public const string JsonContentType = "application/json";
}

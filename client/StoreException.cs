namespace Serverless.Store.Client;

/// <summary>
/// An error the store answered: Redis's own text (<c>WRONGTYPE Operation against a key holding the
/// wrong kind of value</c>, <c>ERR value is not an integer or out of range</c>, <c>NOSCRIPT ...</c>,
/// <c>EXECABORT ...</c>), or the REST layer's (<c>ERR unauthorized ...</c> with 401,
/// <c>NOPERM ...</c> with 403, a body over the limit with 413). Failures with no answer from the
/// store (network, timeouts, a proxy's HTML page) are <see cref="HttpRequestException"/>s.
/// </summary>
public sealed class StoreException : Exception
{
    /// <summary>An error with the store's text.</summary>
    public StoreException(string message) : this(message, (int?)null) { }

    /// <summary>An error with the store's text and the HTTP status it came with.</summary>
    public StoreException(string message, int? statusCode) : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>An error with the store's text and what caused it.</summary>
    public StoreException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The HTTP status of the answer (400, 401, 403, 413...), or null for an error inside a pipeline or transaction.</summary>
    public int? StatusCode { get; }

    /// <summary>The error's first word, as Redis classifies errors: <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>, <c>NOPERM</c>, <c>EXECABORT</c>...</summary>
    public string Prefix
    {
        get
        {
            var space = Message.IndexOf(' ');
            return space < 0 ? Message : Message[..space];
        }
    }
}

using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Http;

/// <summary>
/// No secret in any log line: every logger provider of a host is wrapped so that what it writes has
/// the store's credential forms masked, wherever they come from (ASP.NET Core's "Request starting
/// ... ?_token=..." lines, the SignalR hub's <c>access_token</c> query, an exception that quotes a
/// URL or a connection string): <c>_token</c>, <c>access_token</c>, <c>sig</c> query values, Bearer
/// tokens, JSON Web Tokens (subscribe, negotiate and service tokens), and the keys and passwords of
/// connection strings (AccessKey, AccountKey, SharedAccessKey...). Both hosts call
/// <see cref="AddLogRedaction"/> once their providers are registered. Hand-written: the
/// Microsoft.Extensions.Compliance redactors only act on values logged with data-classification
/// attributes, not on text that framework code formats.
/// </summary>
public static partial class LogRedaction
{
    public const string Mask = "***";

    [GeneratedRegex(@"(?<=[?&](?:_token|access_token|token|sig|code)=)[^&#\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex QueryCredential();

    [GeneratedRegex(@"(?<=\bBearer\s+)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase)]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JsonWebToken();

    [GeneratedRegex(@"(?<=\b(?:AccessKey|AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)[^;\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringKey();

    /// <summary>The text with every credential form masked (null stays null).</summary>
    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        text = QueryCredential().Replace(text, Mask);
        text = BearerToken().Replace(text, Mask);
        text = JsonWebToken().Replace(text, Mask);
        return ConnectionStringKey().Replace(text, Mask);
    }

    /// <summary>Wraps every <see cref="ILoggerProvider"/> registered so far in one that redacts.</summary>
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var original = services[i];
            if (original.ServiceType != typeof(ILoggerProvider) || original.IsKeyedService) continue;
            services[i] = ServiceDescriptor.Singleton<ILoggerProvider>(provider => new RedactingLoggerProvider(original switch
            {
                { ImplementationInstance: ILoggerProvider instance } => instance,
                { ImplementationFactory: { } factory } => (ILoggerProvider)factory(provider),
                _ => (ILoggerProvider)ActivatorUtilities.CreateInstance(provider, original.ImplementationType!),
            }));
        }
        return services;
    }
}

/// <summary>A provider whose loggers hand the inner provider's loggers redacted messages, state and exceptions.</summary>
public sealed class RedactingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped) scoped.SetScopeProvider(scopeProvider);
    }

    public void Dispose() => inner.Dispose();

    sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = LogRedaction.Redact(formatter(state, exception)) ?? "";
            // An exception whose text holds a secret is written as redacted text instead of the object.
            var exceptionText = exception?.ToString();
            var redactedException = LogRedaction.Redact(exceptionText);
            if (exception is not null && redactedException != exceptionText)
            {
                message += Environment.NewLine + redactedException;
                exception = null;
            }
            inner.Log(logLevel, eventId, new RedactedState(message, state as IReadOnlyList<KeyValuePair<string, object?>>), exception, (s, _) => s.Message);
        }
    }

    /// <summary>The state's structured values with strings redacted, for sinks that write them (JSON console, telemetry).</summary>
    sealed class RedactedState(string message, IReadOnlyList<KeyValuePair<string, object?>>? values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        readonly KeyValuePair<string, object?>[] items = values?.Select(Redacted).ToArray() ?? [];

        /// <summary>Numbers, flags and the message template stay; anything else is written as redacted text
        /// (a QueryString or Uri value holds the URL's secrets as well as a string does).</summary>
        static KeyValuePair<string, object?> Redacted(KeyValuePair<string, object?> value) =>
            value.Key == "{OriginalFormat}" || value.Value is null || value.Value.GetType().IsPrimitive || value.Value is Enum
                ? value
                : new(value.Key, LogRedaction.Redact(value.Value.ToString()));

        public string Message { get; } = message;
        public KeyValuePair<string, object?> this[int index] => items[index];
        public int Count => items.Length;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)items).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Message;
    }
}

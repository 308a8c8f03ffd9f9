using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Client;

/// <summary>
/// The client's tracing and logging. Every request is an <see cref="Activity"/> of the source
/// <c>Serverless.Store.Client</c> (kind Client, named after the command, <c>PIPELINE</c> or
/// <c>MULTI</c>), with OpenTelemetry's database attributes; add the source to your tracer
/// (<c>.AddSource("Serverless.Store.Client")</c>). Arguments are never recorded (they hold your
/// data), and neither is the token.
/// </summary>
public static class StoreTelemetry
{
    /// <summary>The name of the client's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "Serverless.Store.Client";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(StoreTelemetry).Assembly.GetName().Version?.ToString());

    internal static Activity? Start(string operation, Uri baseUri, int commands)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("db.system.name", "redis"); // the commands are Redis's; the transport is the store's REST API
        activity.SetTag("db.operation.name", operation);
        if (commands > 1) activity.SetTag("db.operation.batch.size", commands);
        activity.SetTag("server.address", baseUri.Host);
        activity.SetTag("server.port", baseUri.Port);
        return activity;
    }

    internal static void Failed(Activity? activity, Exception error)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.SetTag("error.type", error is StoreException store ? store.Prefix : error.GetType().FullName);
    }
}

/// <summary>The client's log messages (source-generated; the token never appears in them).</summary>
static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Operation} ({Commands} commands) answered HTTP {Status} in {ElapsedMs:0.0} ms")]
    public static partial void Answered(ILogger logger, string operation, int commands, int status, double elapsedMs);

    [LoggerMessage(2, LogLevel.Debug, "{Operation} answered an error: {Error}")]
    public static partial void StoreError(ILogger logger, string operation, string error);

    [LoggerMessage(3, LogLevel.Warning, "{Operation} failed without an answer from {BaseUrl}: {Error}")]
    public static partial void TransportFailed(ILogger logger, string operation, string baseUrl, string error);

    [LoggerMessage(4, LogLevel.Information, "Subscription {ConnectionId} subscribed to {Channels} channels and {Patterns} patterns")]
    public static partial void Subscribed(ILogger logger, string? connectionId, int channels, int patterns);

    [LoggerMessage(5, LogLevel.Warning, "Subscription lost its connection; reconnecting: {Error}")]
    public static partial void Reconnecting(ILogger logger, string? error);

    [LoggerMessage(6, LogLevel.Warning, "Subscription could not resubscribe on connection {ConnectionId} (retrying in {DelayMs} ms): {Error}")]
    public static partial void ResubscribeFailed(ILogger logger, string? connectionId, double delayMs, string error);

    [LoggerMessage(7, LogLevel.Debug, "Script {Sha} was not cached by the store; sent it with EVAL")]
    public static partial void ScriptNotCached(ILogger logger, string sha);
}

using Serverless.Store.Http;
using Serverless.Store.Standalone;

var builder = WebApplication.CreateBuilder(args);
// Quiet by default, as host.json sets Functions: warnings from ASP.NET Core (no per-request lines), the
// Durable Task engine and the Azure SDK; DetailedLogs=true turns their information lines back on.
if (!builder.Configuration.GetValue(StoreLogging.DetailedSetting, false))
    foreach (var category in StoreLogging.QuietCategories) builder.Logging.AddFilter(category, LogLevel.Warning);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
    builder.WebHost.UseUrls("http://127.0.0.1:7071");
// Path-style commands carry keys in the URL: request lines up to 1 MiB (Kestrel's default is 8 KiB),
// so a long key works path style too (request bodies have their own limit, MaxRequestBodyBytes).
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = 1 << 20);
// The backend's storage requests are counted (the cost in Azure): <base>/stats reports them per
// second (the console's overview); CountStorageRequests=true also serves the totals by kind at
// GET /_bench/storage-requests (benchmarks), =false turns counting off.
var countSetting = builder.Configuration.GetValue<bool?>("CountStorageRequests");
var storageRequests = countSetting != false ? new StorageRequestCounter() : null;
builder.Services.AddSingleton(new DurableEngineOptions
{
    StorageConnection = builder.Configuration["AzureWebJobsStorage"] is { Length: > 0 } c ? c : "UseDevelopmentStorage=true",
    TaskHub = builder.Configuration["TaskHub"] is { Length: > 0 } h ? h : "serverlessstore",
    MaxQueuePollingInterval = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("MaxQueuePollingMs", 100)),
    StorageRequests = storageRequests,
    Snapshots = Serverless.Store.Persistence.SnapshotOptions.FromSettings(name => builder.Configuration[name]),
    ReplyTimeout = builder.Configuration.GetValue<int?>("ReplyTimeoutSeconds") is int seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null,
    WorkerId = builder.Configuration["WorkerId"],
    // Tests and the soak shorten it to see entity storage cleanup within minutes; production keeps 30 (docs/durable-store.md).
    EntityMessageReorderWindowMinutes = builder.Configuration.GetValue("EntityMessageReorderWindowMinutes", 30),
});
Serverless.Store.Durable.KeyLimits.Configure(name => builder.Configuration[name]); // MaxValueBytes: what one key's value may hold
builder.Services.AddSingleton<DurableEngine>();
builder.AddPubSub(); // SignalR: the in-process hub, or Azure SignalR Service (AzureSignalRConnectionString)
builder.Services.AddHostedService<EngineHost>();
builder.Services.AddHostedService<ExpirySweepService>(); // TtlSweepSeconds (default 60, 0 = off)
builder.Services.AddHostedService<EntityCleanupService>(); // EntityCleanupMinutes (default 30, 0 = off)
builder.Services.AddHostedService<SnapshotScheduleService>(); // SnapshotSeconds (default 0 = off)
builder.Services.AddLogRedaction(); // no token, key or connection string in any log line
var app = builder.Build();

app.MapStore();
app.MapPubSubHub();
if (storageRequests is not null)
    Serverless.Store.Api.RequestStats.Process.CountStorageRequests(() => storageRequests.Count);
if (storageRequests is not null && countSetting == true)
    app.MapGet("/_bench/storage-requests", () => storageRequests.Snapshot());

app.Run();

/// <summary>Starts the engine with the host and drains it on shutdown.</summary>
sealed class EngineHost(DurableEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync();
    public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync();
}

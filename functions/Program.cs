using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Store.Api;
using Serverless.Store.Http;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // ASP.NET Core integration: HTTP triggers take HttpRequest
var configuration = builder.Configuration;
builder.Services.AddSingleton(AccessPolicy.FromSettings(name => configuration[name]));
builder.Services.AddSingleton(RestLimits.FromSettings(name => configuration[name])); // MaxRequestBodyBytes, MaxRequestCommands
Serverless.Store.Durable.KeyLimits.Configure(name => configuration[name]); // MaxValueBytes: what one key's value may hold
// Pub/sub through Azure SignalR Service when AzureSignalRConnectionString is set (SignalRHub, NotifyKeyspaceEvents);
// snapshots to the app's storage account (SnapshotRetention).
builder.Services.AddSingleton(Serverless.Store.Functions.StoreServices.FromSettings(name => configuration[name]));
// Server-sent-event subscriptions (MaxEventStreams), ended when the worker stops.
builder.Services.AddSingleton(services => EventStreams.FromSettings(name => configuration[name],
    services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
builder.Services.AddLogRedaction(); // no token, key or connection string in any log line the worker sends the host
var app = builder.Build();
var startup = app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Serverless.Store");
foreach (var weakness in AccessPolicy.WeakTokens(name => configuration[name]))
    Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(startup, "{Weakness}", weakness);
app.Run();

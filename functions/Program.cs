using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Store.Api;
using Serverless.Store.PubSub;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // ASP.NET Core integration: HTTP triggers take HttpRequest
var configuration = builder.Configuration;
builder.Services.AddSingleton(AccessPolicy.FromSettings(name => configuration[name]));
// Pub/sub through Azure SignalR Service when AzureSignalRConnectionString is set (SignalRHub, NotifyKeyspaceEvents).
if (PubSubHub.FromSettings(name => configuration[name], inProcess: null) is { } pubsub) builder.Services.AddSingleton(pubsub);
builder.Build().Run();

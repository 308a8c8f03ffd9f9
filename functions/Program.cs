using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Store.Api;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // ASP.NET Core integration: HTTP triggers take HttpRequest
var configuration = builder.Configuration;
builder.Services.AddSingleton(AccessPolicy.FromSettings(name => configuration[name]));
builder.Services.AddSingleton(Serverless.Store.Functions.SnapshotStorage.FromSettings(name => configuration[name]));
builder.Build().Run();

using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Store.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the store's client and cache with dependency injection.</summary>
public static class ServerlessStoreServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client the store's requests use.</summary>
    public const string HttpClientName = "Serverless.Store.Client";

    /// <summary>
    /// Registers <see cref="StoreClient"/> (a singleton) with options bound from the configuration
    /// section <c>ServerlessStore</c> (<c>Url</c>, <c>Token</c>, <c>AutoBatch</c>...), checked when the
    /// app starts. Answers the <see cref="IHttpClientBuilder"/> of its HTTP client, to add handlers.
    /// </summary>
    public static IHttpClientBuilder AddServerlessStore(this IServiceCollection services) =>
        services.AddServerlessStore(_ => { }, bindSection: StoreClientOptions.SectionName);

    /// <summary>Registers <see cref="StoreClient"/> with options bound from <paramref name="section"/>.</summary>
    public static IHttpClientBuilder AddServerlessStore(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<StoreClientOptions>().Bind(section);
        return services.AddServerlessStore(_ => { }, bindSection: null);
    }

    /// <summary>Registers <see cref="StoreClient"/> with options set in code (applied after the <c>ServerlessStore</c> section, if any).</summary>
    public static IHttpClientBuilder AddServerlessStore(this IServiceCollection services, Action<StoreClientOptions> configure) =>
        services.AddServerlessStore(configure, bindSection: StoreClientOptions.SectionName);

    static IHttpClientBuilder AddServerlessStore(this IServiceCollection services, Action<StoreClientOptions> configure, string? bindSection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var firstCall = !services.Any(d => d.ServiceType == typeof(StoreClient));
        var options = services.AddOptions<StoreClientOptions>();
        // The section when the app has configuration (a host does); a bare ServiceCollection has none, and that is fine.
        if (bindSection is not null)
            options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(bindSection).Bind(o));
        options.Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreClientOptions>, StoreClientOptionsValidator>());

        services.TryAddSingleton(sp =>
        {
            // A client from the factory per request: its handlers are pooled and renewed, so this singleton never holds a stale one.
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            return new StoreClient(() => factory.CreateClient(HttpClientName),
                sp.GetRequiredService<IOptions<StoreClientOptions>>().Value, sp.GetService<ILoggerFactory>());
        });

        var http = services.AddHttpClient(HttpClientName);
        if (!firstCall) return http; // a second call adds its options, not a second retry handler
        // The Authorization header never reaches the factory's logs, whatever their level.
        http.RedactLoggedHeaders(["Authorization"]);
        http.AddResilienceHandler(StoreResilience.HandlerName, (pipeline, context) =>
            pipeline.AddStoreRetry(context.ServiceProvider.GetRequiredService<IOptions<StoreClientOptions>>().Value));
        return http;
    }

    /// <summary>
    /// Registers <see cref="StoreDistributedCache"/> as the app's <see cref="IDistributedCache"/>
    /// (HybridCache's second level, session state, output caching). Call <c>AddServerlessStore</c> too.
    /// </summary>
    public static IServiceCollection AddServerlessStoreDistributedCache(this IServiceCollection services, Action<StoreDistributedCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StoreDistributedCacheOptions>();
        if (configure is not null) options.Configure(configure);
        services.RemoveAll<IDistributedCache>(); // AddSession/AddHybridCache may have added the in-memory one first
        services.AddSingleton<StoreDistributedCache>(sp => new StoreDistributedCache(
            sp.GetService<StoreClient>() ?? throw new InvalidOperationException(
                "AddServerlessStoreDistributedCache needs the store's client: call services.AddServerlessStore(...) too"),
            sp.GetRequiredService<IOptions<StoreDistributedCacheOptions>>(),
            sp.GetService<TimeProvider>()));
        services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<StoreDistributedCache>());
        return services;
    }

    static string? Check(StoreClientOptions options)
    {
        try
        {
            options.BaseUri();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>Fails the app's start with the options' own message (what to set, and how).</summary>
    sealed class StoreClientOptionsValidator : IValidateOptions<StoreClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, StoreClientOptions options) =>
            Check(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}

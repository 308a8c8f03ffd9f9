using Serverless.Store.Client;

namespace Serverless.Store.LoadGen;

/// <summary>
/// The REST endpoint through the .NET client (Serverless.Store.Client), optionally with automatic
/// batching: the same scenarios as <see cref="HttpTarget"/>, so the two rows compare the client's
/// cost and what batching gains. Storage request counts come from the plain HTTP target.
/// </summary>
sealed class ClientTarget(HttpTarget counter, string baseUrl, string? token, bool autoBatch) : ITarget, IDisposable
{
    readonly StoreClient client = new(new StoreClientOptions { Url = baseUrl, Token = token, AutoBatch = autoBatch });

    static StoreValue[] Args(string[] command) => Array.ConvertAll(command, a => (StoreValue)a);

    public async Task<bool> CommandAsync(string[] command)
    {
        try
        {
            await client.ExecuteAsync(Args(command), CancellationToken.None);
            return true;
        }
        catch (StoreException)
        {
            return false;
        }
    }

    public Task<bool> PipelineAsync(string[][] commands) => BatchAsync(client.CreatePipeline(), commands);

    public Task<bool> MultiExecAsync(string[][] commands) => BatchAsync(client.CreateTransaction(), commands);

    static async Task<bool> BatchAsync(StoreBatch batch, string[][] commands)
    {
        foreach (var command in commands) _ = batch.ExecuteAsync(Args(command), CancellationToken.None);
        try
        {
            return (await batch.ExecuteAsync()).All(r => r.Kind != StoreResultKind.Error);
        }
        catch (StoreException)
        {
            return false;
        }
    }

    public async Task<string?> ReadAsync(string[] command) => (await client.ExecuteAsync(Args(command), CancellationToken.None)).AsString();

    public Task<IReadOnlyDictionary<string, long>?> StorageRequestsAsync() => counter.StorageRequestsAsync();

    public void Dispose() => client.Dispose();
}

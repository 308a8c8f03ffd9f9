using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;

namespace Serverless.Store.Standalone;

/// <summary>
/// Counts every HTTP request the Durable Task Azure Storage backend sends (retries included), by
/// service and method ("table GET", "queue DELETE"...): the storage requests a command costs, for
/// <c>&lt;base&gt;/stats</c> and benchmarks. On unless the setting <c>CountStorageRequests</c> is false.
/// </summary>
public sealed class StorageRequestCounter
{
    readonly ConcurrentDictionary<string, long> counts = new(StringComparer.Ordinal);

    /// <summary>A client provider whose blob, queue and table clients report to this counter.</summary>
    public StorageAccountClientProvider ClientProvider(string connectionString)
    {
        var blob = new BlobClientOptions();
        blob.AddPolicy(new Policy(this, "blob"), HttpPipelinePosition.PerRetry);
        var queue = new QueueClientOptions(); // MessageEncoding None, as the backend's own default
        queue.AddPolicy(new Policy(this, "queue"), HttpPipelinePosition.PerRetry);
        var table = new TableClientOptions();
        table.AddPolicy(new Policy(this, "table"), HttpPipelinePosition.PerRetry);
        return new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(connectionString, blob),
            StorageServiceClientProvider.ForQueue(connectionString, queue),
            StorageServiceClientProvider.ForTable(connectionString, table));
    }

    /// <summary>All requests so far.</summary>
    public long Count => counts.Values.Sum();

    /// <summary>Requests so far by "service METHOD", plus "total".</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var copy = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (kind, n) in counts)
        {
            copy[kind] = n;
            total += n;
        }
        copy["total"] = total;
        return copy;
    }

    void Add(string kind) => counts.AddOrUpdate(kind, 1, static (_, n) => n + 1);

    sealed class Policy(StorageRequestCounter counter, string service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) =>
            counter.Add(service + " " + message.Request.Method.Method);
    }
}

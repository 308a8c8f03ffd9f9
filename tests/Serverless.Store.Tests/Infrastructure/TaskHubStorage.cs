using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Serverless.Store.Tests.Infrastructure;

/// <summary>
/// What a task hub keeps in storage: rows of its instances and history tables, blobs of its
/// containers (the partition leases apart: a fixed few) and their bytes, and the messages waiting
/// in its queues. Rows are counted with their keys only, so measuring costs storage little.
/// </summary>
public sealed record TaskHubFootprint(int Instances, int History, int Blobs, long BlobBytes, int QueueMessages)
{
    /// <summary>The counts alone, for comparing two moments whose row contents may differ.</summary>
    public (int Instances, int History, int Blobs) Counts => (Instances, History, Blobs);
}

public static class TaskHubStorage
{
    public static async Task<TaskHubFootprint> MeasureAsync(string connection, string hub, CancellationToken cancellation = default)
    {
        var tables = new TableServiceClient(connection);
        async Task<int> RowsAsync(string table)
        {
            var rows = 0;
            await foreach (var _ in tables.GetTableClient(table).QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellation)) rows++;
            return rows;
        }
        var instances = await RowsAsync(hub + "Instances");
        var history = await RowsAsync(hub + "History");

        var service = new BlobServiceClient(connection);
        int blobs = 0;
        long blobBytes = 0;
        await foreach (var container in service.GetBlobContainersAsync(prefix: hub.ToLowerInvariant(), cancellationToken: cancellation))
        {
            if (container.Name.EndsWith("-leases", StringComparison.Ordinal)) continue;
            await foreach (var blob in service.GetBlobContainerClient(container.Name).GetBlobsAsync(cancellationToken: cancellation))
            {
                blobs++;
                blobBytes += blob.Properties.ContentLength ?? 0;
            }
        }

        var queues = new QueueServiceClient(connection);
        var messages = 0;
        await foreach (var queue in queues.GetQueuesAsync(prefix: hub.ToLowerInvariant(), cancellationToken: cancellation))
            messages += (await queues.GetQueueClient(queue.Name).GetPropertiesAsync(cancellation)).Value.ApproximateMessagesCount;

        return new(instances, history, blobs, blobBytes, messages);
    }

}

using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Moq.Protected;
using Serverless.Store.RdbFiles;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The snapshot timer as the Functions worker calls it, with the durable client and the blob
/// container mocked: it reads the key entities through the bound client and writes them as an RDB
/// file in staged blocks, which, put together in the committed order, read back as the keyspace.
/// </summary>
public class SnapshotTriggerTests
{
    [Fact]
    public async Task The_timer_snapshots_the_bound_clients_keys_into_staged_blocks()
    {
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        var entities = new Mock<DurableEntityClient>("test") { CallBase = true };
        client.SetupGet(c => c.Entities).Returns(entities.Object);
        var key = Encoding.UTF8.GetBytes("greeting");
        var stored = new EntityMetadata<KeyRecord>(KeyEntity.Id(key), new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("hello")) });
        EntityQuery? asked = null;
        entities.Setup(e => e.GetAllEntitiesAsync<KeyRecord>(It.IsAny<EntityQuery?>()))
            .Returns((EntityQuery? q) =>
            {
                asked = q;
                return Pageable.Create((string? _, int? _, CancellationToken _) => Task.FromResult(new Microsoft.DurableTask.Page<EntityMetadata<KeyRecord>>([stored], null)));
            });

        var staged = new Dictionary<string, byte[]>();
        List<string>? committed = null;
        var blockBlob = new Mock<BlockBlobClient>();
        blockBlob.Setup(b => b.StageBlockAsync(It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<BlockBlobStageBlockOptions>(), It.IsAny<CancellationToken>()))
            .Returns((string id, Stream content, BlockBlobStageBlockOptions _, CancellationToken _) =>
            {
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                staged[id] = copy.ToArray();
                return Task.FromResult(Response.FromValue(BlobsModelFactory.BlockInfo(null, null, null, null), Mock.Of<Response>()));
            });
        blockBlob.Setup(b => b.CommitBlockListAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<CommitBlockListOptions>(), It.IsAny<CancellationToken>()))
            .Returns((IEnumerable<string> ids, CommitBlockListOptions _, CancellationToken _) =>
            {
                committed = ids.ToList();
                return Task.FromResult(Response.FromValue(BlobsModelFactory.BlobContentInfo(new ETag("x"), DateTimeOffset.UtcNow, null, null, null, null, 0), Mock.Of<Response>()));
            });
        var marker = new Mock<BlobClient>();
        marker.Setup(m => m.GetPropertiesAsync(It.IsAny<BlobRequestConditions>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(404, "not found"));
        marker.Setup(m => m.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(BlobsModelFactory.BlobContentInfo(new ETag("y"), DateTimeOffset.UtcNow, null, null, null, null, 0), Mock.Of<Response>()));
        var container = new Mock<BlobContainerClient>();
        container.Setup(c => c.CreateIfNotExistsAsync(It.IsAny<PublicAccessType>(), It.IsAny<IDictionary<string, string>>(), It.IsAny<BlobContainerEncryptionScopeOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(BlobsModelFactory.BlobContainerInfo(new ETag("c"), DateTimeOffset.UtcNow), Mock.Of<Response>()));
        container.Protected().Setup<BlockBlobClient>("GetBlockBlobClientCore", ItExpr.IsAny<string>()).Returns(blockBlob.Object);
        container.Setup(c => c.GetBlobClient(SnapshotService.LatestMarker)).Returns(marker.Object);
        container.Setup(c => c.GetBlobsAsync(It.IsAny<BlobTraits>(), It.IsAny<BlobStates>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(Azure.AsyncPageable<BlobItem>.FromPages([]));

        var functions = new SnapshotFunctions(new StoreServices(null, new SnapshotStorage(container.Object, new SnapshotOptions())), NullLogger<SnapshotFunctions>.Instance);
        var info = await functions.Snapshot(new TimerInfo(), client.Object, CancellationToken.None);

        Assert.NotNull(info);
        Assert.Equal(1, info.Keys);
        Assert.Equal(EntityKeys.InstanceIdPrefix, asked?.InstanceIdStartsWith);
        Assert.True(asked!.IncludeState);
        Assert.NotNull(committed);
        var file = committed.SelectMany(id => staged[id]).ToArray();
        Assert.Equal(info.Bytes, file.Length);
        var reader = new RdbReader(new MemoryStream(file));
        Assert.True(reader.TryRead(out var entry));
        Assert.Equal("greeting", Encoding.UTF8.GetString(entry.Key));
        Assert.Equal("hello", Encoding.UTF8.GetString(entry.State.String!));
        Assert.False(reader.TryRead(out _)); // the end, with the checksum verified
        Assert.NotEqual(0UL, reader.Checksum);
        marker.Verify(m => m.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void In_azure_with_identity_based_storage_settings_snapshots_go_to_that_account()
    {
        var settings = new Dictionary<string, string>
        {
            [Serverless.Store.Api.AccessPolicy.AzureSiteSetting] = "my-app",
            [SnapshotStorage.BlobServiceUriSetting] = "https://mystore.blob.core.windows.net/",
            [SnapshotStorage.CredentialSetting] = "managedidentity",
            [SnapshotStorage.ClientIdSetting] = "00000000-0000-0000-0000-000000000001",
        };
        var storage = SnapshotStorage.FromSettings(name => settings.GetValueOrDefault(name));
        Assert.Equal(new Uri("https://mystore.blob.core.windows.net/snapshots"), storage.ContainerUri);
        Assert.Null(SnapshotStorage.FromSettings(name => name == Serverless.Store.Api.AccessPolicy.AzureSiteSetting ? "my-app" : null).ContainerUri);
        Assert.Equal("devstoreaccount1", SnapshotStorage.FromSettings(_ => null).ContainerUri!.Segments[1].TrimEnd('/')); // Azurite outside Azure
    }

    [Fact]
    public async Task In_azure_without_storage_settings_snapshots_are_off_and_say_so()
    {
        var storage = SnapshotStorage.FromSettings(name => name == Serverless.Store.Api.AccessPolicy.AzureSiteSetting ? "my-app" : null);
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        client.SetupGet(c => c.Entities).Returns(new Mock<DurableEntityClient>("test") { CallBase = true }.Object);
        Assert.Null(storage.For(new DurableStore(client.Object.Entities), null));
        Assert.Null(await new SnapshotFunctions(new StoreServices(null, storage), NullLogger<SnapshotFunctions>.Instance).Snapshot(new TimerInfo(), client.Object, CancellationToken.None));
        var store = RestFunctions.StoreFor(client.Object, new StoreServices(null, storage));
        var reply = await store.ExecuteAsync([Encoding.UTF8.GetBytes("SAVE")]);
        Assert.Equal("ERR 'save' is not available: this host has no service for it", ((Serverless.Store.Protocol.ErrorReply)reply).Message);
    }
}

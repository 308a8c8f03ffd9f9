using System.Text.RegularExpressions;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests;

/// <summary>
/// The house rule for test traits: every test class that needs something outside the process says so
/// with [Trait("Needs", "...")], so `dotnet test --filter "Needs!=azurite&amp;Needs!=store&amp;Needs!=browser"`
/// runs the engine's tests alone. Read from the test sources: a class that uses a fixture or helper
/// that starts something must carry the matching trait.
/// </summary>
public sealed partial class TestTraitsTests
{
    /// <summary>(what the source uses, the Needs value it implies).</summary>
    static readonly (Regex Uses, string Needs)[] Rules =
    [
        (new(@"\bRedisServer\b|\bRedisCollection\b|\bRedisWithFile\b|\bCheckRdb\b"), "redis-server"),
        (new(@"\bDurableFixture\b|\bDurableCollection\b|\bOwnDurableStore\b|\bAzurite\.StartAsync\b"), "azurite"),
        (new(@"\bStoreHost\b|\bOwnStoreHost\b|\bEventStreamStoreHost\b|\bTwoInstanceStoreHost\b|\bSmallValueStoreHost\b|\bStoreHostCollection\b"), "store"),
        (new(@"RunNodeTestsAsync|AssertNodeTestsPassAsync"), "node"),
        (new(@"chromium"), "browser"),
    ];

    [GeneratedRegex(@"\[Fact|\[Theory")]
    private static partial Regex TestMethod();

    [Fact]
    public void Every_test_class_that_needs_something_carries_its_Needs_traits()
    {
        var tests = StoreHost.TestsFolder() ?? throw new InvalidOperationException("the repository's tests folder was not found");
        var files = Directory.GetFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => TestMethod().IsMatch(File.ReadAllText(f)) && !f.EndsWith(nameof(TestTraitsTests) + ".cs"))
            .ToList();
        Assert.True(files.Count > 40, $"only {files.Count} test files found under {tests}");
        var missing = new List<string>();
        foreach (var file in files)
        {
            var source = File.ReadAllText(file);
            foreach (var (uses, needs) in Rules)
                if (uses.IsMatch(source) && !source.Contains($"[Trait(\"Needs\", \"{needs}\")]"))
                    missing.Add($"{Path.GetRelativePath(tests, file)}: [Trait(\"Needs\", \"{needs}\")]");
        }
        Assert.True(missing.Count == 0, "test classes without the Needs trait of what they use:\n" + string.Join('\n', missing));
    }
}

using Serverless.Store.Durable;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// The <c>MaxValueBytes</c> setting as a host reads it at start (<see cref="KeyLimits.Configure"/>): a
/// value outside 1024..125,000,000 or not a whole number stops the start with a message that says
/// what to set. The limit itself, on a running store: Http/ValueLimitHttpTests. Only settings that
/// leave the process's limit as it is are tried here (in-process durable tests share it).
/// </summary>
public sealed class KeyLimitsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("1023")]
    [InlineData("125000001")]
    [InlineData("-5")]
    [InlineData("1e6")]
    [InlineData("lots")]
    public void A_bad_MaxValueBytes_stops_the_start_and_says_what_to_set(string text)
    {
        var refused = Assert.Throws<FormatException>(() => KeyLimits.Configure(name => name == KeyLimits.Setting ? text : null));
        Assert.Equal($"MaxValueBytes: '{text}' is not a whole number of bytes from 1024 to 125000000: set it in that range, or remove it for 125000000", refused.Message);
        Assert.Equal(KeyLimits.Largest, KeyLimits.MaxBytes);
    }

    [Fact]
    public void Unset_it_is_the_largest_a_string_can_be()
    {
        KeyLimits.Configure(_ => null);
        Assert.Equal(Serverless.Store.Types.Strings.MaxStoredLength, KeyLimits.MaxBytes);
        KeyLimits.Configure(_ => "");
        Assert.Equal(KeyLimits.Largest, KeyLimits.MaxBytes);
    }
}

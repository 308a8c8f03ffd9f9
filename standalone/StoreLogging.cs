namespace Serverless.Store.Standalone;

/// <summary>The standalone host's log levels (the Functions host reads host.json instead).</summary>
public static class StoreLogging
{
    /// <summary>Setting that turns the quiet categories' information lines back on (standalone).</summary>
    public const string DetailedSetting = "DetailedLogs";

    /// <summary>Categories logged at Warning and above unless <see cref="DetailedSetting"/> is true: per-request
    /// lines of ASP.NET Core, the Durable Task engine's per-message lines, the Azure SDK's requests.</summary>
    public static readonly string[] QuietCategories = ["Microsoft.AspNetCore", "DurableTask", "Azure"];
}

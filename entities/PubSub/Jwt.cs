using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Store.PubSub;

/// <summary>
/// HS256 JSON Web Tokens (Microsoft.IdentityModel.JsonWebTokens), the one home for issuing and
/// checking them: Azure SignalR Service's server and client tokens (signed with the access key's
/// UTF-8 bytes), the in-process hub's client tokens and the store's subscribe tokens.
/// </summary>
public static class Jwt
{
    static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static SymmetricSecurityKey Key(string secret) => Key(Encoding.UTF8.GetBytes(secret));

    public static SymmetricSecurityKey Key(byte[] secret) => new(secret);

    /// <summary>A token for <paramref name="audience"/> valid for <paramref name="lifetime"/>, with extra claims.</summary>
    public static string Create(SecurityKey key, string? audience, TimeSpan lifetime, IDictionary<string, object>? claims = null, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// The token's claims if it is signed with <paramref name="key"/>, not expired (1 minute of
    /// clock skew) and, when given, for <paramref name="audience"/>; else null.
    /// </summary>
    public static async Task<ClaimsIdentity?> ValidateAsync(string? token, SecurityKey key, string? audience = null)
    {
        if (string.IsNullOrEmpty(token) || token.Count(c => c == '.') != 2) return null;
        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }
}

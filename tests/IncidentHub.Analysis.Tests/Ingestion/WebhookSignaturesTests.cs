using System.Security.Cryptography;
using System.Text;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class WebhookSignaturesTests
{
    private const string Secret = "whsec_6kQm1vY2p9tR4zX8cB3nL7dF0gH5jS2a";
    private const string OldSecret = "whsec_0aP3sD6fG9hJ2kL5zX8cV1bN4mQ7wE0r";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event":{"id":"01DA2PRIYBV6ZC1MTJQ2TR8XKA","event_type":"incident.triggered","data":{"title":"Checkout API error rate above 5% — café"}}}""");

    private static string Hex(string secret, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    [Fact]
    public void Hmac_MatchesRfc4231TestCase2()
    {
        // Checks the helper the other tests rely on against a published vector.
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Hex("Jefe", Encoding.ASCII.GetBytes("what do ya want for nothing?")));
        Assert.True(WebhookSignatures.VerifyHmacSha256(Encoding.ASCII.GetBytes("what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "Jefe"));
    }

    [Fact]
    public void VerifyPagerDuty_SignatureOfTheBody_Passes()
    {
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex(Secret, Body), [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_UppercaseHex_Passes()
    {
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex(Secret, Body).ToUpperInvariant(), [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_TamperedBody_Fails()
    {
        var header = "v1=" + Hex(Secret, Body);
        var tampered = (byte[])Body.Clone();
        tampered[^3] ^= 0x01;

        Assert.False(WebhookSignatures.VerifyPagerDuty(tampered, header, [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_WrongSecret_Fails()
    {
        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex(Secret, Body), [OldSecret]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void VerifyPagerDuty_MissingHeader_Fails(string? header)
    {
        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, header, [Secret]));
    }

    [Theory]
    [InlineData("{0}")] // no version prefix
    [InlineData("sha256={0}")] // another scheme's prefix
    [InlineData("v2={0}")] // a version this code does not know
    [InlineData("v1={0}0")] // one digit too many
    [InlineData("v1=")]
    [InlineData("v1=not-hex-at-all")]
    [InlineData("v1={0}, v1=zz")] // a garbled v1 entry spoils the header
    public void VerifyPagerDuty_GarbledHeader_Fails(string format)
    {
        var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Hex(Secret, Body));

        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, header, [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_OneCharacterChangedInTheSignature_Fails()
    {
        var hex = Hex(Secret, Body).ToCharArray();
        hex[10] = hex[10] == '0' ? '1' : '0';

        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + new string(hex), [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_SeveralSignaturesDuringRotation_AnyMatchPasses()
    {
        // PagerDuty signs with every active secret while one is being rotated.
        var header = $"v1={Hex(OldSecret, Body)},v1={Hex(Secret, Body)}";

        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, header, [Secret]));
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, header, [OldSecret]));
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, header.Replace(",", ", ", StringComparison.Ordinal), [Secret]));
        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, header, ["whsec_someone-else"]));
    }

    [Fact]
    public void VerifyPagerDuty_SeveralSecretsConfigured_AnyMatchPasses()
    {
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex(Secret, Body), [OldSecret, Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_UnknownVersionAlongsideV1_IsIgnored()
    {
        Assert.True(WebhookSignatures.VerifyPagerDuty(Body, $"v2=abcdef,v1={Hex(Secret, Body)}", [Secret]));
    }

    [Fact]
    public void VerifyPagerDuty_NoOrEmptySecret_NeverPasses()
    {
        // Anyone can compute an HMAC keyed with the empty string.
        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex("", Body), [""]));
        Assert.False(WebhookSignatures.VerifyPagerDuty(Body, "v1=" + Hex(Secret, Body), []));
    }

    [Fact]
    public void VerifyHmacSha256_SignatureOfTheBody_Passes()
    {
        Assert.True(WebhookSignatures.VerifyHmacSha256(Body, "sha256=" + Hex(Secret, Body), Secret));
    }

    [Fact]
    public void VerifyHmacSha256_UppercaseHexAndPrefix_Passes()
    {
        Assert.True(WebhookSignatures.VerifyHmacSha256(Body, "SHA256=" + Hex(Secret, Body).ToUpperInvariant(), Secret));
    }

    [Fact]
    public void VerifyHmacSha256_TamperedBody_Fails()
    {
        var header = "sha256=" + Hex(Secret, Body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("5%", "6%", StringComparison.Ordinal));

        Assert.False(WebhookSignatures.VerifyHmacSha256(tampered, header, Secret));
    }

    [Fact]
    public void VerifyHmacSha256_WrongSecret_Fails()
    {
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, "sha256=" + Hex(Secret, Body), OldSecret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{0}")] // no prefix
    [InlineData("v1={0}")] // PagerDuty's format
    [InlineData("sha1={0}")]
    [InlineData("sha256=")]
    [InlineData("sha256={0}ab")]
    [InlineData("sha256=g{0}")]
    [InlineData("sha256={0},sha256={0}")]
    public void VerifyHmacSha256_MissingOrGarbledHeader_Fails(string? format)
    {
        var header = format is null ? null : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Hex(Secret, Body));

        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, header, Secret));
    }

    [Fact]
    public void VerifyHmacSha256_EmptySecret_NeverPasses()
    {
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, "sha256=" + Hex("", Body), ""));
    }
    [Fact]
    public void SignedContent_WithATimestamp_IsTimestampDotBody()
    {
        Assert.Equal(Encoding.UTF8.GetBytes("1765000000.").Concat(Body), WebhookSignatures.SignedContent("1765000000", Body));
        Assert.Same(Body, WebhookSignatures.SignedContent(null, Body));
    }

    [Fact]
    public void VerifyHmacSha256_TimestampedContent_PassesOnlyForThatTimestamp()
    {
        var header = "sha256=" + Hex(Secret, WebhookSignatures.SignedContent("1765000000", Body));

        Assert.True(WebhookSignatures.VerifyHmacSha256(WebhookSignatures.SignedContent("1765000000", Body), header, [Secret]));
        Assert.False(WebhookSignatures.VerifyHmacSha256(WebhookSignatures.SignedContent("1765000001", Body), header, [Secret]));
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, header, [Secret]));
    }

    [Fact]
    public void VerifyHmacSha256_SeveralSecrets_AnyMatchPasses_NoneFails()
    {
        var header = "sha256=" + Hex(OldSecret, Body);

        Assert.True(WebhookSignatures.VerifyHmacSha256(Body, header, [Secret, OldSecret]));
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, header, [Secret]));
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, header, ["", Secret]));
    }
}

using IncidentHub.Web.Features.CodeFix.GitHub;

namespace IncidentHub.Web.Tests.Features.CodeFix;

public sealed class BranchNamesTests
{
    [Theory]
    [InlineData(42, "Checkout latency after deploy", "incident/INC-42-checkout-latency-after-deploy")]
    [InlineData(7, "  API: 5xx on /orders (EU-West)!! ", "incident/INC-7-api-5xx-on-orders-eu-west")]
    [InlineData(3, "Café crème — déploiement raté", "incident/INC-3-cafe-creme-deploiement-rate")]
    [InlineData(9, "日本語だけ", "incident/INC-9")]
    [InlineData(10, "", "incident/INC-10")]
    [InlineData(11, "Database connection pool exhausted on payments-api during peak traffic", "incident/INC-11-database-connection-pool-exhausted-on")]
    [InlineData(12, "Supercalifragilisticexpialidociousandevenlongerwords", "incident/INC-12-supercalifragilisticexpialidociousandeve")]
    [InlineData(13, "a--b__c..d", "incident/INC-13-a-b-c-d")]
    public void For_MakesAShortLowercaseSlug(int number, string title, string expected)
    {
        var branch = BranchNames.For(number, title);

        Assert.Equal(expected, branch);
        Assert.True(BranchNames.IsValid(branch));
        Assert.True(BranchNames.Slug(title).Length <= BranchNames.MaxSlugLength);
        Assert.False(branch.EndsWith('-'));
    }

    [Fact]
    public void For_WithoutAnIncidentNumber_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BranchNames.For(0, "x"));

    [Theory]
    [InlineData("main", true)]
    [InlineData("incident/INC-1-x", true)]
    [InlineData("-delete", false)]
    [InlineData("a..b", false)]
    [InlineData("a b", false)]
    [InlineData("a/.hidden", false)]
    [InlineData("topic.lock", false)]
    [InlineData("x@{1}", false)]
    [InlineData("end/", false)]
    [InlineData("", false)]
    public void IsValid_FollowsGitsRules(string name, bool valid) =>
        Assert.Equal(valid, BranchNames.IsValid(name));
}

using IncidentHub.Analysis.CodeFix;

namespace IncidentHub.Analysis.Tests.CodeFix;

public sealed class TestConventionsTests
{
    private static readonly string[] Repository =
    [
        "go.mod", "internal/policy/evaluator.go", "internal/policy/evaluator_test.go", "internal/store/evaluator_test.go",
        "billing/render.py", "billing/tax.py", "tests/test_render.py", "tests/unit/tax_test.py", "billing/test_store.py", "billing/store.py",
        "src/main/java/com/harbor/pricing/service/PriceService.java", "src/test/java/com/harbor/pricing/service/PriceServiceTest.java",
        "src/test/java/com/harbor/pricing/service/PriceServiceIT.java", "src/test/java/com/harbor/pricing/other/PriceServiceTests.java",
        "src/main/resources/application-prod.yml", "src/main/resources/application.yml",
        "src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java", "src/test/java/com/harbor/pricing/config/ConfigLoadingTest.java",
        "src/psp/retry.js", "test/retry.test.js", "src/psp/__tests__/retry.spec.ts", "src/routes/payments.js", "test/payments.js", "scripts/payments.js",
        "src/Orders.Api/CheckoutEndpoint.cs", "tests/Orders.Api.Tests/CheckoutEndpointTests.cs", "src/Orders.Api/CheckoutEndpointTests.cs",
        "deploy/values-production.yaml",
    ];

    [Theory]
    [InlineData("internal/policy/evaluator.go", new[] { "internal/policy/evaluator_test.go" })]
    [InlineData("billing/render.py", new[] { "tests/test_render.py" })]
    [InlineData("billing/tax.py", new[] { "tests/unit/tax_test.py" })]
    [InlineData("billing/store.py", new[] { "billing/test_store.py" })]
    [InlineData("src/main/java/com/harbor/pricing/service/PriceService.java",
        new[] { "src/test/java/com/harbor/pricing/service/PriceServiceTest.java", "src/test/java/com/harbor/pricing/service/PriceServiceIT.java" })]
    [InlineData("src/psp/retry.js", new[] { "test/retry.test.js", "src/psp/__tests__/retry.spec.ts" })]
    [InlineData("src/routes/payments.js", new[] { "test/payments.js" })]
    [InlineData("./src/Orders.Api/CheckoutEndpoint.cs", new[] { "tests/Orders.Api.Tests/CheckoutEndpointTests.cs" })]
    [InlineData("src/main/resources/application-prod.yml",
        new[] { "src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java", "src/test/java/com/harbor/pricing/config/ConfigLoadingTest.java" })]
    [InlineData("deploy/values-production.yaml", new[] { "src/test/java/com/harbor/pricing/config/ProdConfigContractTest.java", "src/test/java/com/harbor/pricing/config/ConfigLoadingTest.java" })]
    [InlineData("internal/policy/evaluator_test.go", new string[0])]
    [InlineData("README.md", new string[0])]
    public void CoveringTests_FollowsEachLanguagesConvention(string file, string[] expected)
    {
        Assert.Equal(expected, TestConventions.CoveringTests(file, Repository));
    }

    [Theory]
    [InlineData("a/b_test.go", true)]
    [InlineData("tests/test_x.py", true)]
    [InlineData("x.py", false)]
    [InlineData("src/test/java/a/BTest.java", true)]
    [InlineData("web/app.spec.tsx", true)]
    [InlineData("tests/App.Tests/FooTests.cs", true)]
    [InlineData("src/App/FooTests.cs", false)]
    public void IsTest_RecognisesTestFiles(string file, bool expected)
    {
        Assert.Equal(expected, TestConventions.IsTest(file));
    }
}

using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class CloudWatchSourceTests
{
    private const string AlarmArn = "arn:aws:cloudwatch:eu-west-1:482913576204:alarm:checkout-api-5xx-rate-high";

    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "cloudwatch", name));

    private static Dictionary<string, string> SnsHeaders(string type) =>
        new(StringComparer.OrdinalIgnoreCase) { ["x-amz-sns-message-type"] = type, ["x-amz-sns-topic-arn"] = "arn:aws:sns:eu-west-1:482913576204:incidenthub-alarms" };

    private static ParseResult Parse(byte[] body, string headerType = "Notification") =>
        AlertSources.Parse(SourceKind.CloudWatch, body, ReceivedAt, SnsHeaders(headerType));

    private static NormalisedAlert Single(byte[] body)
    {
        var result = Parse(body);
        Assert.Null(result.Error);
        return Assert.Single(result.Alerts);
    }

    /// <summary>The alarm fixture with a change made to the alarm JSON inside the SNS Message string.</summary>
    private static byte[] AlarmVariant(Action<JsonObject> change)
    {
        var envelope = JsonNode.Parse(Fixture("alarm.json"))!.AsObject();
        var alarm = JsonNode.Parse(envelope["Message"]!.GetValue<string>())!.AsObject();
        change(alarm);
        envelope["Message"] = alarm.ToJsonString();
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }

    private static byte[] EnvelopeVariant(string fixture, Action<JsonObject> change)
    {
        var envelope = JsonNode.Parse(Fixture(fixture))!.AsObject();
        change(envelope);
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }

    [Fact]
    public void Parse_AlarmNotification_IsOneFiringAlertNamedAfterTheAlarm()
    {
        var alert = Single(Fixture("alarm.json"));

        Assert.Equal("checkout-api-5xx-rate-high: Checkout API target 5xx responses above 25 per minute", alert.Title);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(AlarmArn, alert.Fingerprint);
        Assert.Equal("cw:" + AlarmArn, alert.GroupKey);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 40, 12, 345, TimeSpan.Zero), alert.StartsAt);
        Assert.Null(alert.EndsAt);
    }

    [Fact]
    public void Parse_AlarmNotification_LabelsAccountRegionMetricDimensionsAndService()
    {
        var alert = Single(Fixture("alarm.json"));

        Assert.Equal("checkout-api-5xx-rate-high", alert.Labels["alertname"]);
        Assert.Equal("482913576204", alert.Labels["aws_account"]);
        Assert.Equal("eu-west-1", alert.Labels["aws_region"]);
        Assert.Equal("AWS/ApplicationELB", alert.Labels["namespace"]);
        Assert.Equal("HTTPCode_Target_5XX_Count", alert.Labels["metric"]);
        Assert.Equal("app/checkout-prod-alb/5f3c9a1e7b2d4c60", alert.Labels["dim_LoadBalancer"]);
        Assert.Equal("targetgroup/checkout-api-tg/9d81e2f4a3b7c615", alert.Labels["dim_TargetGroup"]);
        Assert.Equal("checkout-api", alert.Labels["dim_ServiceName"]);
        Assert.Equal("checkout-api", alert.Labels["service"]);
        Assert.Equal("ALARM", alert.Labels["state"]);
        Assert.False(alert.Labels.ContainsKey("severity"));
    }

    [Fact]
    public void Parse_AlarmNotification_KeepsReasonThresholdAndSnsDetailsAsAnnotations()
    {
        var alert = Single(Fixture("alarm.json"));

        Assert.StartsWith("Threshold Crossed: 2 out of the last 2 datapoints [61.0", alert.Annotations["description"]);
        Assert.Equal("25.0", alert.Annotations["threshold"]);
        Assert.Equal("GreaterThanThreshold", alert.Annotations["comparison"]);
        Assert.Equal("ALARM: \"checkout-api-5xx-rate-high\" in EU (Ireland)", alert.Annotations["subject"]);
        Assert.Equal("arn:aws:sns:eu-west-1:482913576204:incidenthub-alarms", alert.Annotations["topic_arn"]);
        Assert.Equal("6f1c2b7e-3d4a-5b8c-9e0f-1a2b3c4d5e6f", alert.Annotations["message_id"]);
    }

    [Fact]
    public void Parse_AlarmNotification_LinksToTheAlarmInTheRegionsConsole()
    {
        var alert = Single(Fixture("alarm.json"));

        Assert.Equal("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-api-5xx-rate-high", alert.SourceUrl);
    }

    [Fact]
    public void Parse_AlarmNameWithSpacesAndSlash_IsEncodedInTheConsoleLink()
    {
        var alert = Single(AlarmVariant(alarm =>
        {
            alarm["AlarmName"] = "Checkout 5xx / prod";
            alarm["AlarmArn"] = "arn:aws:cloudwatch:us-east-1:482913576204:alarm:Checkout 5xx / prod";
        }));

        Assert.Equal("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/Checkout%205xx%20%2F%20prod", alert.SourceUrl);
        Assert.Equal("us-east-1", alert.Labels["aws_region"]);
    }

    [Fact]
    public void Parse_OkNotification_ResolvesSameFingerprintAsAlarm()
    {
        var alarm = Single(Fixture("alarm.json"));
        var ok = Single(Fixture("ok.json"));

        Assert.Equal(AlertStatus.Resolved, ok.Status);
        Assert.Equal(alarm.Fingerprint, ok.Fingerprint);
        Assert.Equal(alarm.GroupKey, ok.GroupKey);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 7, 12, 811, TimeSpan.Zero), ok.EndsAt);
    }

    [Fact]
    public void Parse_InsufficientData_FiresAsWarning()
    {
        var alert = Single(AlarmVariant(alarm => alarm["NewStateValue"] = "INSUFFICIENT_DATA"));

        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal("INSUFFICIENT_DATA", alert.Labels["state"]);
        Assert.Equal("warning", alert.Labels["severity"]);
    }

    [Fact]
    public void Parse_AlarmWithoutDescription_IsTitledByItsName()
    {
        var alert = Single(AlarmVariant(alarm => alarm["AlarmDescription"] = null));

        Assert.Equal("checkout-api-5xx-rate-high", alert.Title);
    }

    [Fact]
    public void Parse_AlarmWithoutArn_FallsBackToAccountRegionAndName()
    {
        var alert = Single(AlarmVariant(alarm => alarm.Remove("AlarmArn")));

        Assert.Equal("482913576204|EU (Ireland)|checkout-api-5xx-rate-high", alert.Fingerprint);
        Assert.Equal("cw:482913576204|EU (Ireland)|checkout-api-5xx-rate-high", alert.GroupKey);
        Assert.Null(alert.SourceUrl);
    }

    [Fact]
    public void Parse_ArnWithForgedRegion_GivesNoConsoleLink()
    {
        var alert = Single(AlarmVariant(alarm => alarm["AlarmArn"] = "arn:aws:cloudwatch:evil.example#:482913576204:alarm:checkout-api-5xx-rate-high"));

        Assert.Null(alert.SourceUrl);
        Assert.False(alert.Labels.ContainsKey("aws_region"));
    }

    [Fact]
    public void Parse_UnknownState_IsRefusedWithTheState()
    {
        var result = Parse(AlarmVariant(alarm => alarm["NewStateValue"] = "PENDING"));

        Assert.Equal("The CloudWatch alarm 'checkout-api-5xx-rate-high' has NewStateValue 'PENDING', which is not ALARM, OK or INSUFFICIENT_DATA.", result.Error);
    }

    [Fact]
    public void Parse_SubscriptionConfirmation_IsANoticeWithTheSubscribeUrl()
    {
        var result = Parse(Fixture("subscription-confirmation.json"), "SubscriptionConfirmation");

        Assert.Null(result.Error);
        Assert.Empty(result.Alerts);
        var notice = Assert.IsType<SourceNotice>(result.Notice);
        Assert.Equal("SubscriptionConfirmation", notice.Kind);
        Assert.Contains("arn:aws:sns:eu-west-1:482913576204:incidenthub-alarms", notice.Text);
        Assert.StartsWith("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=", notice.ActionUrl);
    }

    [Fact]
    public void Parse_SubscriptionConfirmationPointingElsewhere_IsRefused()
    {
        var body = EnvelopeVariant("subscription-confirmation.json", e => e["SubscribeURL"] = "https://sns.eu-west-1.amazonaws.com.evil.example/?Action=ConfirmSubscription");

        var result = Parse(body, "SubscriptionConfirmation");

        Assert.Null(result.Notice);
        Assert.NotNull(result.Error);
        Assert.Contains("is not an AWS SNS host", result.Error);
        Assert.Contains("sns.eu-west-1.amazonaws.com.evil.example", result.Error);
    }

    [Fact]
    public void Parse_UnsubscribeConfirmation_IsAcceptedWithoutAlert()
    {
        var body = EnvelopeVariant("subscription-confirmation.json", e =>
        {
            e["Type"] = "UnsubscribeConfirmation";
            e["SubscribeURL"] = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:482913576204:incidenthub-alarms&Token=abc";
        });

        var result = Parse(body, "UnsubscribeConfirmation");

        Assert.Null(result.Error);
        Assert.Null(result.Notice);
        Assert.Empty(result.Alerts);
    }

    [Fact]
    public void Parse_HeaderAndBodyTypeDisagree_TrustsTheBody()
    {
        var result = Parse(Fixture("alarm.json"), headerType: "SubscriptionConfirmation");

        Assert.Null(result.Notice);
        Assert.Equal(AlarmArn, Assert.Single(result.Alerts).Fingerprint);
    }

    [Fact]
    public void Parse_UnknownBodyType_IsRefused()
    {
        var result = Parse(EnvelopeVariant("alarm.json", e => e["Type"] = "Notice"));

        Assert.Equal("The SNS message Type 'Notice' is not one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation.", result.Error);
    }

    [Fact]
    public void Parse_NoTypeInBody_UsesTheHeaderWhateverItsCase()
    {
        var body = EnvelopeVariant("subscription-confirmation.json", e => e.Remove("Type"));
        var headers = new Dictionary<string, string> { ["X-Amz-Sns-Message-Type"] = "SubscriptionConfirmation" };

        var result = AlertSources.Parse(SourceKind.CloudWatch, body, ReceivedAt, headers);

        Assert.Equal("SubscriptionConfirmation", result.Notice?.Kind);
    }

    [Fact]
    public void Parse_NoTypeAnywhere_SaysAnSnsMessageWasExpected()
    {
        var result = AlertSources.Parse(SourceKind.CloudWatch, """{"hello":"world"}"""u8.ToArray(), ReceivedAt);

        Assert.NotNull(result.Error);
        Assert.Contains("expected an Amazon SNS message", result.Error);
    }

    [Fact]
    public void Parse_NotificationWithTextMessage_SaysItIsNotAnAlarm()
    {
        var result = Parse(EnvelopeVariant("alarm.json", e => e["Message"] = "Deployment of checkout-api finished"));

        Assert.Equal("The SNS Notification's Message is not a CloudWatch alarm: it is not JSON (it starts \"Deployment of checkout-api finished\").", result.Error);
    }

    [Fact]
    public void Parse_NotificationWithOtherJsonMessage_SaysItIsNotAnAlarm()
    {
        var result = Parse(EnvelopeVariant("alarm.json", e => e["Message"] = """{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification"}"""));

        Assert.Equal("The SNS Notification's Message is not a CloudWatch alarm: it is JSON but has no 'AlarmName' and 'NewStateValue'.", result.Error);
    }

    [Fact]
    public void Parse_RawMessageDelivery_IsTheSameAlarm()
    {
        var envelope = JsonNode.Parse(Fixture("alarm.json"))!.AsObject();
        var raw = Encoding.UTF8.GetBytes(envelope["Message"]!.GetValue<string>());

        var alert = Single(raw);

        Assert.Equal(AlarmArn, alert.Fingerprint);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal("checkout-api", alert.Labels["service"]);
    }

    [Theory]
    [InlineData("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:alarms&Token=abc")]
    [InlineData("https://sns.eu-west-1.amazonaws.com/")]
    [InlineData("https://sns.ap-southeast-2.amazonaws.com/?Action=ConfirmSubscription")]
    [InlineData("https://sns.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription")]
    [InlineData("https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription")]
    [InlineData("https://SNS.US-EAST-1.AMAZONAWS.COM/?Action=ConfirmSubscription")]
    [InlineData("https://sns.us-east-1.amazonaws.com:443/?Action=ConfirmSubscription")]
    public void IsAwsSnsUrl_SnsEndpoints_AreAccepted(string url)
    {
        Assert.True(CloudWatchSource.IsAwsSnsUrl(url));
    }

    [Theory]
    [InlineData("http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription")]
    [InlineData("https://sns.us-east-1.amazonaws.com.evil.com/?Action=ConfirmSubscription")]
    [InlineData("https://sns.us-east-1.amazonaws.com.cn.evil.com/")]
    [InlineData("https://evil.com/sns.us-east-1.amazonaws.com/")]
    [InlineData("https://evil.com/?x=https://sns.us-east-1.amazonaws.com/")]
    [InlineData("https://sns.us-east-1.amazonaws.com@evil.com/")]
    [InlineData("https://user:pass@sns.us-east-1.amazonaws.com/")]
    [InlineData("https://sns.us-east-1.amazonaws.com:8443/")]
    [InlineData("https://sns.us-east-1.amazonaws.com:80/")]
    [InlineData("https://sns.us-east-1.amazonaws.com./")]
    [InlineData("https://sns.amazonaws.com/")]
    [InlineData("https://sqs.us-east-1.amazonaws.com/")]
    [InlineData("https://evilsns.us-east-1.amazonaws.com/")]
    [InlineData("https://sns.us-east-1.amazonaws.com\\@evil.com/")]
    [InlineData("https://sns.evil.com/")]
    [InlineData("https://sns.us-east-1.amazonaws.co/")]
    [InlineData("ftp://sns.us-east-1.amazonaws.com/")]
    [InlineData("javascript:alert(1)//sns.us-east-1.amazonaws.com")]
    [InlineData("//sns.us-east-1.amazonaws.com/")]
    [InlineData("https:// sns.us-east-1.amazonaws.com/")]
    [InlineData("")]
    public void IsAwsSnsUrl_OtherHostsSchemesPortsAndUserInfo_AreRefused(string url)
    {
        Assert.False(CloudWatchSource.IsAwsSnsUrl(url));
    }
}

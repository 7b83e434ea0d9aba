using System.Text.Json;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// CloudWatch alarms through Amazon SNS: one state change becomes one alert keyed on the alarm ARN, so ALARM and
/// the later OK update the same alert; a subscription confirmation is only shown to an Admin. Mapping in docs/alert-sources.md.
/// </summary>
public static partial class CloudWatchSource
{
    private const string TypeHeader = "x-amz-sns-message-type";

    private static readonly string[] MessageTypes = ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"];

    private static readonly HashSet<string> ServiceDimensions = new(["ServiceName", "Service", "service"], StringComparer.Ordinal);

    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt, IReadOnlyDictionary<string, string> headers)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("An Amazon SNS message body must be a JSON object with a 'Type'.");
        }

        var type = AlertSources.String(root, "Type");
        if (type is null)
        {
            if (root.TryGetProperty("AlarmName", out _) && root.TryGetProperty("NewStateValue", out _))
            {
                // Raw message delivery: SNS posts the alarm JSON without its envelope.
                return AlarmFrom(root, receivedAt, envelope: null);
            }

            type = Header(headers, TypeHeader);
            if (type is null)
            {
                return ParseResult.Invalid("The body has no 'Type' and there is no x-amz-sns-message-type header: expected an Amazon SNS message (Notification, SubscriptionConfirmation or UnsubscribeConfirmation).");
            }
        }

        if (!MessageTypes.Contains(type, StringComparer.Ordinal))
        {
            return ParseResult.Invalid($"The SNS message Type '{Excerpt(type)}' is not one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation.");
        }

        switch (type)
        {
            case "SubscriptionConfirmation":
                return SubscriptionConfirmation(root);
            case "UnsubscribeConfirmation":
                return ParseResult.Ok([]);
        }

        if (!root.TryGetProperty("Message", out var message) || message.ValueKind != JsonValueKind.String)
        {
            return ParseResult.Invalid("The SNS Notification has no 'Message' string; CloudWatch puts the alarm JSON there.");
        }

        var text = message.GetString() ?? "";
        JsonDocument alarm;
        try
        {
            alarm = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return ParseResult.Invalid($"The SNS Notification's Message is not a CloudWatch alarm: it is not JSON (it starts \"{Excerpt(text)}\").");
        }

        using (alarm)
        {
            var element = alarm.RootElement;
            if (AlertSources.UnreadableTextIn(element, "$") is { } unreadable)
            {
                return ParseResult.Invalid($"The SNS Notification's Message is not valid JSON text: {unreadable}.");
            }

            if (element.ValueKind != JsonValueKind.Object || AlertSources.String(element, "AlarmName") is null || AlertSources.String(element, "NewStateValue") is null)
            {
                return ParseResult.Invalid("The SNS Notification's Message is not a CloudWatch alarm: it is JSON but has no 'AlarmName' and 'NewStateValue'.");
            }

            return AlarmFrom(element, receivedAt, root);
        }
    }

    /// <summary>
    /// True only for https URLs on an Amazon SNS endpoint, <c>sns.&lt;region&gt;.amazonaws.com</c> or
    /// <c>sns.&lt;region&gt;.amazonaws.com.cn</c>, on the default port and without user info, so a forged
    /// SubscriptionConfirmation cannot make an Admin visit some other site.
    /// </summary>
    public static bool IsAwsSnsUrl(string url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '\\'))
        {
            return false;
        }

        if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        // Check what was written as well as what Uri made of it, so no parser difference can smuggle another host in:
        // no user info, no port but 443, and the host itself on the SNS pattern.
        var authority = url["https://".Length..].Split('/', '?', '#')[0].ToLowerInvariant();
        if (authority.EndsWith(":443", StringComparison.Ordinal))
        {
            authority = authority[..^":443".Length];
        }

        return uri.Scheme == Uri.UriSchemeHttps
            && uri.UserInfo.Length == 0
            && uri.Port == 443
            && SnsHost().IsMatch(authority)
            && SnsHost().IsMatch(uri.IdnHost);
    }

    private static ParseResult SubscriptionConfirmation(JsonElement root)
    {
        var topic = AlertSources.String(root, "TopicArn") ?? "(no TopicArn)";
        var subscribeUrl = AlertSources.String(root, "SubscribeURL");
        if (string.IsNullOrWhiteSpace(subscribeUrl))
        {
            return ParseResult.Invalid("The SNS SubscriptionConfirmation has no 'SubscribeURL'.");
        }

        if (!IsAwsSnsUrl(subscribeUrl))
        {
            return ParseResult.Invalid($"SubscribeURL '{Excerpt(subscribeUrl)}' is not an AWS SNS host (expected https://sns.<region>.amazonaws.com/...); the subscription was not offered for confirmation.");
        }

        return ParseResult.NoticeOnly(new SourceNotice(
            "SubscriptionConfirmation",
            $"Amazon SNS asks to confirm this webhook's subscription to topic {topic}. Until someone visits the confirmation link, SNS sends no alarms here.",
            subscribeUrl));
    }

    private static ParseResult AlarmFrom(JsonElement alarm, DateTimeOffset receivedAt, JsonElement? envelope)
    {
        var name = AlertSources.String(alarm, "AlarmName")?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return ParseResult.Invalid("The CloudWatch alarm has an empty 'AlarmName'.");
        }

        var state = AlertSources.String(alarm, "NewStateValue");
        AlertStatus status;
        switch (state)
        {
            case "ALARM" or "INSUFFICIENT_DATA":
                status = AlertStatus.Firing;
                break;
            case "OK":
                status = AlertStatus.Resolved;
                break;
            default:
                return ParseResult.Invalid($"The CloudWatch alarm '{Excerpt(name)}' has NewStateValue '{Excerpt(state ?? "")}', which is not ALARM, OK or INSUFFICIENT_DATA.");
        }

        var arnText = AlertSources.String(alarm, "AlarmArn")?.Trim();
        var arn = AlarmArn.TryParse(arnText);
        var account = AlertSources.String(alarm, "AWSAccountId") ?? arn?.Account;
        var regionName = AlertSources.String(alarm, "Region");

        var fingerprint = string.IsNullOrEmpty(arnText) ? $"{account}|{regionName}|{name}" : arnText;
        var description = AlertSources.String(alarm, "AlarmDescription")?.Trim();
        var title = string.IsNullOrEmpty(description) ? name : $"{name}: {description}";

        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = name,
            ["state"] = state,
        };
        Put(labels, "aws_account", account);
        Put(labels, "aws_region", arn?.Region);
        if (state == "INSUFFICIENT_DATA")
        {
            labels["severity"] = "warning";
        }

        var trigger = alarm.TryGetProperty("Trigger", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        var metric = MetricOf(trigger);
        Put(labels, "namespace", AlertSources.String(metric, "Namespace"));
        Put(labels, "metric", AlertSources.String(metric, "MetricName"));
        if (metric.ValueKind == JsonValueKind.Object && metric.TryGetProperty("Dimensions", out var dimensions) && dimensions.ValueKind == JsonValueKind.Array)
        {
            foreach (var dimension in dimensions.EnumerateArray())
            {
                var dimensionName = AlertSources.String(dimension, "name") ?? AlertSources.String(dimension, "Name");
                var value = AlertSources.String(dimension, "value") ?? AlertSources.String(dimension, "Value");
                if (string.IsNullOrWhiteSpace(dimensionName) || value is null)
                {
                    continue;
                }

                labels["dim_" + dimensionName] = value;
                if (ServiceDimensions.Contains(dimensionName) && !string.IsNullOrWhiteSpace(value))
                {
                    labels["service"] = value;
                }
            }
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        Put(annotations, "description", AlertSources.String(alarm, "NewStateReason"));
        Put(annotations, "threshold", Scalar(trigger, "Threshold"));
        Put(annotations, "comparison", AlertSources.String(trigger, "ComparisonOperator"));
        Put(annotations, "statistic", AlertSources.String(trigger, "Statistic") ?? AlertSources.String(trigger, "ExtendedStatistic"));
        Put(annotations, "period_seconds", Scalar(trigger, "Period"));
        Put(annotations, "evaluation_periods", Scalar(trigger, "EvaluationPeriods"));
        Put(annotations, "unit", AlertSources.String(trigger, "Unit"));
        Put(annotations, "old_state", AlertSources.String(alarm, "OldStateValue"));
        Put(annotations, "alarm_arn", arnText);
        Put(annotations, "aws_region_name", regionName);
        if (envelope is { } e)
        {
            Put(annotations, "subject", AlertSources.String(e, "Subject"));
            Put(annotations, "topic_arn", AlertSources.String(e, "TopicArn"));
            Put(annotations, "message_id", AlertSources.String(e, "MessageId"));
        }

        var changedAt = AlertSources.Time(alarm, "StateChangeTime") ?? (envelope is { } env ? AlertSources.Time(env, "Timestamp") : null) ?? receivedAt;
        return ParseResult.Ok([
            new NormalisedAlert(
                fingerprint,
                "cw:" + fingerprint,
                title,
                status,
                labels,
                annotations,
                changedAt,
                status == AlertStatus.Resolved ? changedAt : null,
                arn?.ConsoleUrl(name)),
        ]);
    }

    /// <summary>The Trigger itself for a single-metric alarm; for a metric-math alarm, the first metric it reads.</summary>
    private static JsonElement MetricOf(JsonElement trigger)
    {
        if (trigger.ValueKind != JsonValueKind.Object || trigger.TryGetProperty("MetricName", out _))
        {
            return trigger;
        }

        if (trigger.TryGetProperty("Metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Array)
        {
            foreach (var query in metrics.EnumerateArray())
            {
                if (query.ValueKind == JsonValueKind.Object
                    && query.TryGetProperty("MetricStat", out var stat) && stat.ValueKind == JsonValueKind.Object
                    && stat.TryGetProperty("Metric", out var metric) && metric.ValueKind == JsonValueKind.Object)
                {
                    return metric;
                }
            }
        }

        return trigger;
    }

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value))
        {
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        var match = headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        return string.IsNullOrWhiteSpace(match.Value) ? null : match.Value.Trim();
    }

    private static string? Scalar(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.String => value.GetString(),
                _ => null,
            }
            : null;

    private static string Excerpt(string text) => AlertSources.Excerpt(text);

    private static void Put(Dictionary<string, string> map, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            map[key] = value;
        }
    }

    [GeneratedRegex(@"^sns\.[a-z]{2}(-[a-z]+)+-\d+\.amazonaws\.com(\.cn)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SnsHost();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionCode();

    /// <summary>arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}</summary>
    private sealed record AlarmArn(string Partition, string Region, string Account)
    {
        public static AlarmArn? TryParse(string? arn)
        {
            var parts = arn?.Split(':', 7);
            if (parts is not { Length: 7 } || parts[0] != "arn" || parts[2] != "cloudwatch" || parts[5] != "alarm" || !RegionCode().IsMatch(parts[3]))
            {
                return null;
            }

            return new AlarmArn(parts[1], parts[3], parts[4]);
        }

        public string? ConsoleUrl(string alarmName)
        {
            var host = Partition switch
            {
                "aws" => $"{Region}.console.aws.amazon.com",
                "aws-cn" => $"{Region}.console.amazonaws.cn",
                "aws-us-gov" => "console.amazonaws-us-gov.com",
                _ => null,
            };
            return host is null ? null : $"https://{host}/cloudwatch/home?region={Region}#alarmsV2:alarm/{Uri.EscapeDataString(alarmName)}";
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;

namespace IncidentHub.Web.Features.Reports;

/// <summary>The key metric as an inline SVG line chart (no script: it prints and emails as it is).</summary>
public static class MetricChartSvg
{
    public static string Render(MetricChart chart, int width = 680, int height = 220)
    {
        const int left = 56, right = 12, top = 14, bottom = 30;
        var points = chart.Points;
        var t0 = points[0].At;
        var t1 = points[^1].At;
        var span = Math.Max(1, (t1 - t0).TotalSeconds);
        var min = Math.Min(0, points.Min(p => p.Value));
        var max = points.Max(p => p.Value);
        if (max <= min)
        {
            max = min + 1;
        }

        double X(DateTimeOffset at) => left + (at - t0).TotalSeconds / span * (width - left - right);
        double Y(double v) => top + (1 - (v - min) / (max - min)) * (height - top - bottom);
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(chart.Name)}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"#fafafa\" stroke=\"#ddd\"/>");

        // The incident window, shaded.
        var a = Math.Clamp(X(chart.TriggeredAt), left, width - right);
        var b = Math.Clamp(X(chart.ResolvedAt ?? t1), left, width - right);
        if (b > a)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(a)}\" y=\"{top}\" width=\"{F(b - a)}\" height=\"{height - top - bottom}\" fill=\"#fde2e1\"/>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var v = min + (max - min) * i / 4;
            var y = Y(v);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#eee\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(y + 4)}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{WebUtility.HtmlEncode(Label(v))}</text>");
        }

        foreach (var at in new[] { t0, t0 + (t1 - t0) / 2, t1 })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(at))}\" y=\"{height - 10}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{at.UtcDateTime:HH:mm}</text>");
        }

        sb.Append("<polyline fill=\"none\" stroke=\"#c62828\" stroke-width=\"2\" points=\"");
        foreach (var p in points)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{F(X(p.At))},{F(Y(p.Value))} ");
        }

        sb.Append("\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(a)}\" x2=\"{F(a)}\" y1=\"{top}\" y2=\"{height - bottom}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>");
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Label(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("0.#e0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("0", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}

using System.Net;
using System.Text.RegularExpressions;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

/// <summary>
/// The login form as a browser posts it (antiforgery field and cookie, form fields), from a chosen client address
/// (X-Forwarded-For, believed from loopback) and scheme (X-Forwarded-Proto). Cookies are handled by hand: the
/// Secure cookies of an HTTPS-forwarded request would not be sent back over http by a CookieContainer.
/// </summary>
public sealed partial class LoginForm(Uri server, string address, string scheme = "http") : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server };
    private readonly Dictionary<string, string> _cookies = [];

    /// <summary>The Set-Cookie headers of the last answer.</summary>
    public List<string> SetCookies { get; } = [];

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Loads the form, posts it; the answer is the redirect (to / on success, to /account/login?error=... otherwise).</summary>
    public async Task<HttpResponseMessage> LogInAsync(string email, string password)
    {
        var page = await (await GetAsync("/account/login")).Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = email, ["password"] = password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            }),
        });
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        request.Headers.Add("X-Forwarded-For", address);
        request.Headers.Add("X-Forwarded-Proto", scheme);
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await _http.SendAsync(request);
        SetCookies.Clear();
        if (response.Headers.TryGetValues("Set-Cookie", out var set))
        {
            foreach (var cookie in set)
            {
                SetCookies.Add(cookie);
                var pair = cookie.Split(';', 2)[0].Split('=', 2);
                _cookies[pair[0]] = pair[1];
            }
        }

        return response;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

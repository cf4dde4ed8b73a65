using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// X-Twilio-Signature (protocols.md §5.6): every vector of twilio-csharp's RequestValidatorTest (fixture), the
/// protocols.md vector recomputed here independently, the port toggle both ways, case preservation, tampering, garbage
/// signatures, and the ASP.NET Core request path (form POST, JSON body, WebSocket upgrade).
/// </summary>
[CancelAfter(10_000)]
public sealed class TwilioSignatureTests
{
    private const string Token = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string Expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    private const string Body = "{\"property\": \"value\", \"boolean\": true}";
    private const string BodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

    private static readonly KeyValuePair<string, string>[] s_parameters =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("From", "+14158675309"),
        new("Digits", "1234"),
        new("To", "+18005551212"),
        new("Caller", "+14158675309"),
    ];

    public static IEnumerable<TestCaseData> FormCases() => FixtureCases("form");

    public static IEnumerable<TestCaseData> JsonCases() => FixtureCases("json-body");

    [Test]
    public void The_fixture_holds_18_form_cases_and_3_json_cases()
    {
        using var document = JsonDocument.Parse(Fixtures.Read(Fixtures.SignatureVectors));
        var kinds = document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(kinds.Count(k => k == "form"), Is.EqualTo(18));
            Assert.That(kinds.Count(k => k == "json-body"), Is.EqualTo(3));
            Assert.That(FormCases().Count(), Is.EqualTo(18), "every form case runs as a test");
            Assert.That(JsonCases().Count(), Is.EqualTo(3), "every JSON case runs as a test");
        });
    }

    [TestCaseSource(nameof(FormCases))]
    public void Form_vector_from_twilio_csharp_validates_as_recorded(JsonElement vector)
    {
        var (token, parameters) = FixtureCredentials();
        var url = vector.GetProperty("url").GetString()!;
        var signature = vector.GetProperty("signature").GetString();
        var expectedValid = vector.GetProperty("expected_valid").GetBoolean();

        Assert.That(TwilioSignature.IsValid(url, parameters, signature, token), Is.EqualTo(expectedValid));
        if (vector.GetProperty("signed_url_variant").GetString() is { } signedUrl)
        {
            // The signature is exactly Compute over the URL form it was made from.
            Assert.That(TwilioSignature.Compute(signedUrl, parameters, token), Is.EqualTo(signature));
        }
    }

    [TestCaseSource(nameof(JsonCases))]
    public void Json_body_vector_from_twilio_csharp_validates_as_recorded(JsonElement vector)
    {
        var (token, _) = FixtureCredentials();
        var url = vector.GetProperty("url").GetString()!;
        var body = vector.GetProperty("body").GetString()!;
        var signature = vector.GetProperty("signature").GetString();
        var expectedValid = vector.GetProperty("expected_valid").GetBoolean();

        Assert.That(TwilioSignature.IsValidJsonBody(url, body, signature, token), Is.EqualTo(expectedValid));
    }

    [Test]
    public void Fixture_body_hash_and_sorted_concatenation_match()
    {
        using var document = JsonDocument.Parse(Fixtures.Read(Fixtures.SignatureVectors));
        var root = document.RootElement;
        var body = root.GetProperty("body_only_test").GetProperty("body").GetString()!;
        var (token, parameters) = FixtureCredentials();
        var concat = root.GetProperty("form_parameters_sorted_concat").GetString()!;
        Assert.Multiple(() =>
        {
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))), Is.EqualTo(root.GetProperty("body_only_test").GetProperty("expected_sha256_hex").GetString()));
            Assert.That(TwilioSignature.Compute(Url, parameters, token), Is.EqualTo(ReferenceSignature(Url + concat, token)));
        });
    }

    [Test]
    public void Protocols_vector_signs_the_documented_string()
    {
        const string signedString = "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212";
        Assert.Multiple(() =>
        {
            Assert.That(ReferenceSignature(signedString, Token), Is.EqualTo(Expected), "independent HMAC-SHA1 of the documented string");
            Assert.That(TwilioSignature.Compute(Url, s_parameters, Token), Is.EqualTo(Expected));
            Assert.That(TwilioSignature.IsValid(Url, s_parameters, Expected, Token), Is.True);
            Assert.That(TwilioSignature.Compute("https://MyCompany.com/myapp.php?foo=1&bar=2", s_parameters, Token), Is.EqualTo("g9IN/x4Cft2g517EjYvEvM/W7LU="));
        });
    }

    [Test]
    public void Parameters_sort_by_ordinal_name_and_null_values_count_as_empty()
    {
        KeyValuePair<string, string>[] parameters = [new("a", "2"), new("B", "1"), new("_x", null!)];
        Assert.That(TwilioSignature.Compute("https://h/p", parameters, Token), Is.EqualTo(ReferenceSignature("https://h/pB1_xa2", Token)));
    }

    [Test]
    public void No_parameters_signs_the_url_alone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.Compute(Url, null, Token), Is.EqualTo(ReferenceSignature(Url, Token)));
            Assert.That(TwilioSignature.Compute(Url, [], Token), Is.EqualTo(ReferenceSignature(Url, Token)));
        });
    }

    [TestCase("https://a.example.com/x?y=1", "https://a.example.com:443/x?y=1")]
    [TestCase("https://a.example.com:443/x?y=1", "https://a.example.com/x?y=1")]
    [TestCase("http://A.Example.com/x", "http://A.Example.com:80/x")]
    [TestCase("http://A.Example.com:80/x", "http://A.Example.com/x")]
    [TestCase("HTTPS://User:Pass@MyHost.com/x", "HTTPS://User:Pass@MyHost.com:443/x")]
    [TestCase("https://h.com:8443/x", "https://h.com/x")]
    [TestCase("wss://Voice.Example.com/media", "wss://Voice.Example.com:443/media")]
    [TestCase("ws://voice.example.com:80/media", "ws://voice.example.com/media")]
    [TestCase("https://[::1]:8443/x", "https://[::1]/x")]
    [TestCase("https://[::1]/x", "https://[::1]:443/x")]
    [TestCase("https://h.com", "https://h.com:443")]
    [TestCase("https://h.com?t=1:2", "https://h.com:443?t=1:2")]
    [TestCase("https://h.com/x?t=a:443", "https://h.com:443/x?t=a:443")]
    public void Port_toggle_removes_an_explicit_port_or_adds_the_default_keeping_case(string url, string toggled)
    {
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.TryTogglePort(url, out var actual), Is.True);
            Assert.That(actual, Is.EqualTo(toggled));
        });
    }

    [TestCase("ftp://h.com/x")]
    [TestCase("not a url")]
    [TestCase("https:///x")]
    public void Port_toggle_declines_urls_without_a_default_port_or_authority(string url) =>
        Assert.That(TwilioSignature.TryTogglePort(url, out _), Is.False);

    [TestCase("https://voice.example.com/hook?x=1", "https://voice.example.com:443/hook?x=1")]
    [TestCase("https://voice.example.com:443/hook?x=1", "https://voice.example.com/hook?x=1")]
    [TestCase("http://voice.example.com/hook", "http://voice.example.com:80/hook")]
    [TestCase("http://voice.example.com:80/hook", "http://voice.example.com/hook")]
    [TestCase("wss://voice.example.com/media", "wss://voice.example.com:443/media")]
    [TestCase("wss://voice.example.com:443/media", "wss://voice.example.com/media")]
    public void A_signature_over_the_other_port_form_is_accepted(string signedUrl, string requestUrl)
    {
        var signature = TwilioSignature.Compute(signedUrl, s_parameters, Token);
        Assert.That(TwilioSignature.IsValid(requestUrl, s_parameters, signature, Token), Is.True);
    }

    [Test]
    public void Only_one_port_toggle_is_tried()
    {
        var signature = TwilioSignature.Compute("https://voice.example.com:80/hook", s_parameters, Token);
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.IsValid("https://voice.example.com:443/hook", s_parameters, signature, Token), Is.False);
            Assert.That(TwilioSignature.IsValid("https://voice.example.com:8443/hook", s_parameters, signature, Token), Is.False);
        });
    }

    [Test]
    public void The_toggle_works_with_a_one_shot_parameter_sequence()
    {
        var signature = TwilioSignature.Compute("https://mycompany.com:443/myapp.php?foo=1&bar=2", s_parameters, Token);
        Assert.That(TwilioSignature.IsValid(Url, OneShot(s_parameters), signature, Token), Is.True);

        static IEnumerable<KeyValuePair<string, string>> OneShot(IEnumerable<KeyValuePair<string, string>> source)
        {
            foreach (var pair in source)
            {
                yield return pair;
            }
        }
    }

    [TestCase("https://MyCompany.com/myapp.php?foo=1&bar=2", "https://mycompany.com/myapp.php?foo=1&bar=2")]
    [TestCase("https://mycompany.com/myapp.php?foo=1&bar=2", "HTTPS://mycompany.com/myapp.php?foo=1&bar=2")]
    [TestCase("https://mycompany.com/MyApp.php?foo=1&bar=2", "https://mycompany.com/myapp.php?foo=1&bar=2")]
    public void Case_is_not_normalised(string signedUrl, string requestUrl)
    {
        var signature = TwilioSignature.Compute(signedUrl, s_parameters, Token);
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.IsValid(signedUrl, s_parameters, signature, Token), Is.True);
            Assert.That(TwilioSignature.IsValid(requestUrl, s_parameters, signature, Token), Is.False);
        });
    }

    [Test]
    public void Tampered_parameters_url_or_token_are_rejected()
    {
        KeyValuePair<string, string>[] changedValue = [.. s_parameters.Select(p => p.Key == "Digits" ? new KeyValuePair<string, string>("Digits", "9999") : p)];
        KeyValuePair<string, string>[] extra = [.. s_parameters, new("Extra", "1")];
        KeyValuePair<string, string>[] missing = [.. s_parameters.Where(p => p.Key != "Caller")];
        KeyValuePair<string, string>[] renamed = [.. s_parameters.Select(p => p.Key == "To" ? new KeyValuePair<string, string>("to", p.Value) : p)];
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.IsValid(Url, changedValue, Expected, Token), Is.False, "changed value");
            Assert.That(TwilioSignature.IsValid(Url, extra, Expected, Token), Is.False, "extra parameter");
            Assert.That(TwilioSignature.IsValid(Url, missing, Expected, Token), Is.False, "missing parameter");
            Assert.That(TwilioSignature.IsValid(Url, renamed, Expected, Token), Is.False, "renamed parameter");
            Assert.That(TwilioSignature.IsValid(Url, null, Expected, Token), Is.False, "parameters dropped");
            Assert.That(TwilioSignature.IsValid("https://mycompany.com/myapp.php?foo=1&bar=3", s_parameters, Expected, Token), Is.False, "query");
            Assert.That(TwilioSignature.IsValid("https://mycompany.com/other.php?foo=1&bar=2", s_parameters, Expected, Token), Is.False, "path");
            Assert.That(TwilioSignature.IsValid("https://evil.com/myapp.php?foo=1&bar=2", s_parameters, Expected, Token), Is.False, "host");
            Assert.That(TwilioSignature.IsValid("http://mycompany.com/myapp.php?foo=1&bar=2", s_parameters, Expected, Token), Is.False, "scheme");
            Assert.That(TwilioSignature.IsValid(Url, s_parameters, Expected, "12346"), Is.False, "token");
            Assert.That(TwilioSignature.IsValid(Url, s_parameters, Expected.ToLowerInvariant(), Token), Is.False, "signature case");
        });
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("!!!not base64!!!")]
    [TestCase("RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    [TestCase("RSOYDt4T1cUTdK1PDd93/VVr8B8=\n")]
    [TestCase("RSOYDt4T1cUTdK1PDd93/VVr8B8==")]
    [TestCase("RSOYDt4T1cUTdK1PDd93/VVr8B8=,RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [TestCase("ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ=")]
    [TestCase("\0")]
    public void Missing_or_garbage_signatures_are_invalid_without_throwing(string? signature)
    {
        Assert.Multiple(() =>
        {
            Assert.That(TwilioSignature.IsValid(Url, s_parameters, signature, Token), Is.False);
            Assert.That(TwilioSignature.IsValidJsonBody(Url + "&bodySHA256=" + BodyHash, Body, signature, Token), Is.False);
        });
    }

    [Test]
    public void A_huge_signature_is_invalid_without_throwing() =>
        Assert.That(TwilioSignature.IsValid(Url, s_parameters, new string('A', 1_000_000), Token), Is.False);

    [Test]
    public void Json_body_needs_the_body_hash_and_the_url_signature()
    {
        var url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + BodyHash;
        var signature = TwilioSignature.Compute(url, null, Token);
        Assert.Multiple(() =>
        {
            Assert.That(signature, Is.EqualTo("a9nBmqA0ju/hNViExpshrM61xv4="));
            Assert.That(TwilioSignature.IsValidJsonBody(url, Body, signature, Token), Is.True);
            Assert.That(TwilioSignature.IsValidJsonBody(url, Body + " ", signature, Token), Is.False, "body changed");
            Assert.That(TwilioSignature.IsValidJsonBody(url, Body, signature, "54321"), Is.False, "token");
            var upper = url.Replace(BodyHash, BodyHash.ToUpperInvariant(), StringComparison.Ordinal);
            Assert.That(TwilioSignature.IsValidJsonBody(upper, Body, TwilioSignature.Compute(upper, null, Token), Token), Is.False, "the hash is lowercase hex");
            var twice = url + "&bodySHA256=" + BodyHash;
            Assert.That(TwilioSignature.IsValidJsonBody(twice, Body, TwilioSignature.Compute(twice, null, Token), Token), Is.False, "two hashes are ambiguous");
            Assert.That(TwilioSignature.IsValidJsonBody("https://mycompany.com/myapp.php?xbodySHA256=" + BodyHash, Body, TwilioSignature.Compute("https://mycompany.com/myapp.php?xbodySHA256=" + BodyHash, null, Token), Token), Is.False, "a different parameter name");
            Assert.That(TwilioSignature.IsValidJsonBody("https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=" + BodyHash, Body, signature, Token), Is.True, "port toggled");
        });
    }

    [Test]
    public async Task Form_post_request_is_validated_with_its_form_and_the_form_stays_readable()
    {
        var context = FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=2", s_parameters, Expected);

        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.True);
        Assert.That(context.Request.Form["CallSid"].ToString(), Is.EqualTo("CA1234567890ABCDE"));
    }

    [Test]
    public async Task Form_post_request_with_tampered_form_or_wrong_signature_is_rejected()
    {
        KeyValuePair<string, string>[] tampered = [.. s_parameters.Select(p => p.Key == "From" ? new KeyValuePair<string, string>("From", "+10000000000") : p)];
        Assert.Multiple(async () =>
        {
            Assert.That(await TwilioSignature.IsValidAsync(FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=2", tampered, Expected).Request, Token, null, CancellationToken.None), Is.False, "tampered form");
            Assert.That(await TwilioSignature.IsValidAsync(FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=3", s_parameters, Expected).Request, Token, null, CancellationToken.None), Is.False, "tampered query");
            Assert.That(await TwilioSignature.IsValidAsync(FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=2", s_parameters, "garbage").Request, Token, null, CancellationToken.None), Is.False, "garbage signature");
            Assert.That(await TwilioSignature.IsValidAsync(FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=2", s_parameters, signature: null).Request, Token, null, CancellationToken.None), Is.False, "no header");
        });
    }

    [Test]
    public async Task Two_signature_headers_are_rejected()
    {
        var context = FormPost("https", "mycompany.com", "/myapp.php", "?foo=1&bar=2", s_parameters, Expected);
        context.Request.Headers.Append(TwilioSignature.HeaderName, Expected);

        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.False);
    }

    [Test]
    public async Task Host_header_with_the_default_port_still_validates()
    {
        var context = FormPost("https", "mycompany.com:443", "/myapp.php", "?foo=1&bar=2", s_parameters, Expected);

        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.True);
    }

    [Test]
    public async Task Public_base_url_replaces_the_local_scheme_and_host_keeping_its_case()
    {
        var context = FormPost("http", "127.0.0.1:5000", "/myapp.php", "?foo=1&bar=2", s_parameters, "g9IN/x4Cft2g517EjYvEvM/W7LU=");
        var publicBaseUrl = new Uri("https://MyCompany.com");

        Assert.Multiple(async () =>
        {
            Assert.That(TwilioSignature.RequestUrl(context.Request, publicBaseUrl), Is.EqualTo("https://MyCompany.com/myapp.php?foo=1&bar=2"));
            Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, publicBaseUrl, CancellationToken.None), Is.True);
        });
    }

    [TestCase("", "/incoming", "https://voice.example.com/agent/incoming?x=1")]
    [TestCase("/agent", "/incoming", "https://voice.example.com/agent/incoming?x=1")]
    [TestCase("", "/agent/incoming", "https://voice.example.com/agent/incoming?x=1")]
    public void Public_base_url_path_is_put_before_the_request_path_once(string pathBase, string path, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost:8080");
        context.Request.PathBase = pathBase;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString("?x=1");

        Assert.That(TwilioSignature.RequestUrl(context.Request, new Uri("https://voice.example.com/agent/")), Is.EqualTo(expected));
    }

    [Test]
    public void Raw_request_target_is_used_as_received()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("voice.example.com");
        context.Request.Path = "/my app";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/my%20app?q=a%2Bb";

        Assert.That(TwilioSignature.RequestUrl(context.Request, null), Is.EqualTo("https://voice.example.com/my%20app?q=a%2Bb"));
    }

    [Test]
    public async Task Json_body_request_is_validated_by_hash_and_the_body_stays_readable()
    {
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + BodyHash;
        var context = JsonPost("?foo=1&bar=2&bodySHA256=" + BodyHash, Body, "a9nBmqA0ju/hNViExpshrM61xv4=");
        Assert.That(TwilioSignature.RequestUrl(context.Request, null), Is.EqualTo(url));

        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.True);
        using var reader = new StreamReader(context.Request.Body);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(Body));
    }

    [Test]
    public async Task Json_body_request_with_a_changed_body_or_no_hash_is_rejected()
    {
        var changed = JsonPost("?foo=1&bar=2&bodySHA256=" + BodyHash, Body.Replace("true", "false", StringComparison.Ordinal), "a9nBmqA0ju/hNViExpshrM61xv4=");

        // Signed over the URL alone, but the body is not covered by anything: refused.
        var unhashed = JsonPost("?foo=1&bar=2", Body, TwilioSignature.Compute(Url, null, Token));
        Assert.Multiple(async () =>
        {
            Assert.That(await TwilioSignature.IsValidAsync(changed.Request, Token, null, CancellationToken.None), Is.False);
            Assert.That(await TwilioSignature.IsValidAsync(unhashed.Request, Token, null, CancellationToken.None), Is.False);
        });
    }

    [TestCase("https", "wss://voice.example.com/media")]
    [TestCase("http", "ws://voice.example.com/media")]
    public async Task WebSocket_upgrade_is_signed_over_the_ws_url_without_parameters(string scheme, string streamUrl)
    {
        var context = WebSocketUpgrade(scheme, "voice.example.com", "/media", TwilioSignature.Compute(streamUrl, null, Token));

        Assert.That(TwilioSignature.RequestUrl(context.Request, null), Is.EqualTo(streamUrl));
        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.True);
    }

    [Test]
    public async Task WebSocket_upgrade_signed_over_the_https_url_or_unsigned_is_rejected()
    {
        var httpsSigned = WebSocketUpgrade("https", "voice.example.com", "/media", TwilioSignature.Compute("https://voice.example.com/media", null, Token));
        var unsigned = WebSocketUpgrade("https", "voice.example.com", "/media", signature: null);
        Assert.Multiple(async () =>
        {
            Assert.That(await TwilioSignature.IsValidAsync(httpsSigned.Request, Token, null, CancellationToken.None), Is.False);
            Assert.That(await TwilioSignature.IsValidAsync(unsigned.Request, Token, null, CancellationToken.None), Is.False);
        });
    }

    [Test]
    public async Task WebSocket_upgrade_behind_a_public_base_url_uses_wss_and_the_public_host()
    {
        var context = WebSocketUpgrade("http", "127.0.0.1:5000", "/media", TwilioSignature.Compute("wss://Voice.Example.com/media", null, Token));
        var publicBaseUrl = new Uri("https://Voice.Example.com");

        Assert.That(TwilioSignature.RequestUrl(context.Request, publicBaseUrl), Is.EqualTo("wss://Voice.Example.com/media"));
        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, publicBaseUrl, CancellationToken.None), Is.True);
    }

    // Twilio signs the upgrade over the <Stream url> exactly as written, so the URL the webhook writes must be the URL
    // the media endpoint reconstructs: same host case as the configured PublicBaseUrl, and its path prefix once even when
    // the app also uses UsePathBase with it (the validator accepts both forms; the TwiML must match them).
    [TestCase("https://voice.example.com", "")]
    [TestCase("https://Voice.Example.com", "")]
    [TestCase("https://voice.example.com/api", "")]
    [TestCase("https://voice.example.com/api", "/api")]
    [TestCase("https://Voice.Example.com:8443/Api/", "/Api")]
    public async Task The_stream_url_written_in_TwiML_is_the_url_the_upgrade_is_validated_against(string publicBaseUrl, string pathBase)
    {
        var options = new TwilioOptions { AuthToken = Token, PublicBaseUrl = new Uri(publicBaseUrl) };
        var endpoints = new TwilioEndpoints(options, services: null!, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "/twilio");
        var webhook = new DefaultHttpContext();
        webhook.Request.Method = "POST";
        webhook.Request.Scheme = "http";
        webhook.Request.Host = new HostString("127.0.0.1:5000");
        webhook.Request.PathBase = pathBase;
        webhook.Request.Path = "/twilio/voice";
        var twiml = System.Xml.Linq.XDocument.Parse(TwiML.ConnectStream(endpoints.StreamUrl(webhook.Request), []));
        var written = (string)twiml.Root!.Element("Connect")!.Element("Stream")!.Attribute("url")!;

        var upgrade = WebSocketUpgrade("http", "127.0.0.1:5000", "/twilio/media", TwilioSignature.Compute(written, null, Token));
        upgrade.Request.PathBase = pathBase;

        Assert.Multiple(async () =>
        {
            Assert.That(written, Does.StartWith("wss://"));
            Assert.That(TwilioSignature.RequestUrl(upgrade.Request, options.PublicBaseUrl), Is.EqualTo(written));
            Assert.That(await TwilioSignature.IsValidAsync(upgrade.Request, Token, options.PublicBaseUrl, CancellationToken.None), Is.True);
        });
    }

    [Test]
    public async Task Get_webhook_is_signed_over_the_url_with_its_query()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("voice.example.com");
        context.Request.Path = "/incoming";
        context.Request.QueryString = new QueryString("?CallSid=CA1&From=%2B14155550100");
        context.Request.Headers[TwilioSignature.HeaderName] = TwilioSignature.Compute("https://voice.example.com/incoming?CallSid=CA1&From=%2B14155550100", null, Token);

        Assert.That(await TwilioSignature.IsValidAsync(context.Request, Token, null, CancellationToken.None), Is.True);
    }

    private static DefaultHttpContext FormPost(string scheme, string host, string path, string query, IEnumerable<KeyValuePair<string, string>> form, string? signature)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.ContentType = "application/x-www-form-urlencoded";
        var body = string.Join('&', form.Select(p => WebUtility.UrlEncode(p.Key) + "=" + WebUtility.UrlEncode(p.Value)));
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        if (signature is not null)
        {
            context.Request.Headers[TwilioSignature.HeaderName] = signature;
        }

        return context;
    }

    private static DefaultHttpContext JsonPost(string query, string body, string signature)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("mycompany.com");
        context.Request.Path = "/myapp.php";
        context.Request.QueryString = new QueryString(query);
        context.Request.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.Headers[TwilioSignature.HeaderName] = signature;
        return context;
    }

    private static DefaultHttpContext WebSocketUpgrade(string scheme, string host, string path, string? signature)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.Headers.Connection = "Upgrade";
        context.Request.Headers.Upgrade = "websocket";
        context.Request.Headers.SecWebSocketVersion = "13";
        context.Request.Headers.SecWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
        if (signature is not null)
        {
            context.Request.Headers[TwilioSignature.HeaderName] = signature;
        }

        return context;
    }

    /// <summary>HMAC-SHA1 of the exact string, base64: the algorithm written out without the code under test.</summary>
    private static string ReferenceSignature(string signedString, string token) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(signedString)));

    private static (string Token, KeyValuePair<string, string>[] Parameters) FixtureCredentials()
    {
        using var document = JsonDocument.Parse(Fixtures.Read(Fixtures.SignatureVectors));
        var root = document.RootElement;
        var parameters = root.GetProperty("form_parameters").EnumerateArray()
            .Select(pair => new KeyValuePair<string, string>(pair[0].GetString()!, pair[1].GetString()!))
            .ToArray();
        return (root.GetProperty("auth_token").GetString()!, parameters);
    }

    private static IEnumerable<TestCaseData> FixtureCases(string kind)
    {
        var path = Fixtures.PathOf(Fixtures.SignatureVectors);
        if (path is null)
        {
            yield break;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var vector in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (vector.GetProperty("kind").GetString() == kind)
            {
                var name = vector.GetProperty("test").GetString() ?? "?";
                var url = vector.GetProperty("url").GetString() ?? "?";
                yield return new TestCaseData(vector.Clone()).SetArgDisplayNames(name, url);
            }
        }
    }
}

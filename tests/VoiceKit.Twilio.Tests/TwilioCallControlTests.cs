using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Xml.Linq;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// Call control against a local Twilio REST API (protocols.md §5.4-5.5): the exact method, path, Basic auth and form of
/// hang-up, transfer and outbound calls; 20404 as "already ended"; credentials never echoed; errors typed with Twilio's
/// code; SIDs and destinations validated before anything is sent; timeout and cancellation.
/// </summary>
[CancelAfter(10_000)]
public sealed class TwilioCallControlTests
{
    private const string CallSid = "CA0123456789abcdef0123456789abcdef";
    private const string CallPath = "/2010-04-01/Accounts/" + TwilioRestStandIn.AccountSid + "/Calls/" + CallSid + ".json";
    private const string CallsPath = "/2010-04-01/Accounts/" + TwilioRestStandIn.AccountSid + "/Calls.json";
    private const string BadToken = "not-a-valid-key-fedcba9876543210";

    private static readonly string s_basicAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TwilioRestStandIn.AccountSid + ":" + TwilioRestStandIn.AuthToken));

    private TwilioRestStandIn _twilio = null!;
    private HttpClient _http = null!;

    [SetUp]
    public void SetUp()
    {
        _twilio = new TwilioRestStandIn();
        _http = new HttpClient();
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        await _twilio.DisposeAsync();
    }

    [Test]
    public async Task Hang_up_posts_status_completed_to_the_call_with_basic_auth(CancellationToken cancellationToken)
    {
        var wasLive = await Control().HangUpAsync(CallSid, cancellationToken);

        var request = _twilio.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(wasLive, Is.True);
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Target, Is.EqualTo(CallPath));
            Assert.That(request.Authorization, Is.EqualTo(s_basicAuth));
            Assert.That(request.ContentType, Is.EqualTo("application/x-www-form-urlencoded"));
            Assert.That(request.Body, Is.EqualTo("Status=completed"));
        });
    }

    [Test]
    public async Task Hang_up_of_a_call_that_already_ended_is_not_an_error(CancellationToken cancellationToken)
    {
        _twilio.EndedCalls[CallSid] = true;

        Assert.That(await Control().HangUpAsync(CallSid, cancellationToken), Is.False);
    }

    [Test]
    public async Task Hanging_up_twice_reports_the_second_as_already_ended(CancellationToken cancellationToken)
    {
        var control = Control();
        Assert.That(await control.HangUpAsync(CallSid, cancellationToken), Is.True);
        Assert.That(await control.HangUpAsync(CallSid, cancellationToken), Is.False);
    }

    [Test]
    public void A_404_without_code_20404_is_an_error()
    {
        _twilio.AnswerNext(404, "<html>Not Found</html>");

        var error = Assert.ThrowsAsync<TwilioRestException>(() => Control().HangUpAsync(CallSid));
        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(error.TwilioCode, Is.Null);
            Assert.That(error.IsTransient, Is.False);
        });
    }

    [Test]
    public void Rejected_credentials_are_an_authentication_error_naming_the_settings_without_the_token()
    {
        var error = Assert.ThrowsAsync<AuthenticationException>(() => Control(authToken: BadToken).HangUpAsync(CallSid));

        Assert.Multiple(() =>
        {
            Assert.That(_twilio.Requests.Single().Authorization, Is.EqualTo("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TwilioRestStandIn.AccountSid + ":" + BadToken))));
            Assert.That(error!.Message, Does.Contain("TWILIO_ACCOUNT_SID").And.Contain("TWILIO_AUTH_TOKEN").And.Contain("20003"));
            Assert.That(error.Message, Does.Not.Contain("not-a-valid-key"));
            Assert.That(error.ToString(), Does.Not.Contain("not-a-valid-key"));
        });
    }

    [Test]
    public void Missing_or_malformed_credentials_fail_before_anything_is_sent()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Control(accountSid: null).HangUpAsync(CallSid), Throws.InstanceOf<AuthenticationException>().With.Message.Contain("TWILIO_ACCOUNT_SID"));
            Assert.That(() => Control(authToken: "").HangUpAsync(CallSid), Throws.InstanceOf<AuthenticationException>().With.Message.Contain("TWILIO_AUTH_TOKEN"));
            Assert.That(() => Control(accountSid: "AC123/../../x").HangUpAsync(CallSid), Throws.InstanceOf<AuthenticationException>().With.Message.Contain("TwilioOptions.AccountSid"));
        });
        Assert.That(_twilio.Requests, Is.Empty);
    }

    [Test]
    public void A_server_error_carries_twilio_code_status_and_link_and_is_transient()
    {
        _twilio.AnswerNext(503, TwilioRestStandIn.ErrorBody(20503, "Service Unavailable", 503));

        var error = Assert.ThrowsAsync<TwilioRestException>(() => Control().HangUpAsync(CallSid));
        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(error.TwilioCode, Is.EqualTo(20503));
            Assert.That(error.ErrorCode, Is.EqualTo("20503"));
            Assert.That(error.Provider, Is.EqualTo("twilio"));
            Assert.That(error.IsTransient, Is.True);
            Assert.That(error.MoreInfo, Is.EqualTo(new Uri("https://www.twilio.com/docs/errors/20503")));
            Assert.That(error.Message, Does.Contain("HTTP 503").And.Contain("20503").And.Contain("Service Unavailable"));
        });
    }

    [Test]
    public void A_client_error_is_not_transient()
    {
        _twilio.AnswerNext(400, TwilioRestStandIn.ErrorBody(21211, "Invalid 'To' Phone Number", 400));

        var error = Assert.ThrowsAsync<TwilioRestException>(() => Control().CreateCallAsync(Outbound()));
        Assert.Multiple(() =>
        {
            Assert.That(error!.TwilioCode, Is.EqualTo(21211));
            Assert.That(error.IsTransient, Is.False);
            Assert.That(error.Message, Does.Contain("Invalid 'To' Phone Number"));
        });
    }

    [Test]
    public void An_error_message_echoing_the_token_is_scrubbed()
    {
        _twilio.AnswerNext(400, TwilioRestStandIn.ErrorBody(20001, "bad token " + TwilioRestStandIn.AuthToken, 400));

        var error = Assert.ThrowsAsync<TwilioRestException>(() => Control().HangUpAsync(CallSid));
        Assert.That(error!.Message, Does.Not.Contain(TwilioRestStandIn.AuthToken).And.Contain("***"));
    }

    [Test]
    public async Task Transfer_updates_the_call_with_dial_twiml(CancellationToken cancellationToken)
    {
        await Control().TransferAsync(CallSid, "+14155550123", cancellationToken);

        var request = _twilio.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Target, Is.EqualTo(CallPath));
            Assert.That(request.Authorization, Is.EqualTo(s_basicAuth));
            Assert.That(request.Body, Is.EqualTo("Twiml=%3CResponse%3E%3CDial%3E%2B14155550123%3C%2FDial%3E%3C%2FResponse%3E"));
            Assert.That(request.Form, Is.EqualTo(new[] { new KeyValuePair<string, string>("Twiml", "<Response><Dial>+14155550123</Dial></Response>") }));
        });
    }

    [Test]
    public async Task Transfer_to_a_sip_address_escapes_it_inside_a_sip_noun(CancellationToken cancellationToken)
    {
        const string destination = "sip:agent@example.com;transport=tls?X-Team=a&X-Tier=<b>";

        await Control().TransferAsync(CallSid, "sip:agent@example.com;transport=tls?X-Team=a&X-Tier=b", cancellationToken);

        var twiml = _twilio.Requests.Single().Field("Twiml");
        Assert.Multiple(() =>
        {
            Assert.That(twiml, Is.EqualTo("<Response><Dial><Sip>sip:agent@example.com;transport=tls?X-Team=a&amp;X-Tier=b</Sip></Dial></Response>"));
            Assert.That(XDocument.Parse(twiml!).Root!.Element("Dial")!.Element("Sip")!.Value, Is.EqualTo("sip:agent@example.com;transport=tls?X-Team=a&X-Tier=b"));
            Assert.That(() => TwilioCallControl.TransferTwiml(destination), Throws.ArgumentException, "angle brackets are refused");
        });
    }

    [TestCase("14155550123")]
    [TestCase("+1 415 555 0123")]
    [TestCase("+0123456789")]
    [TestCase("+1234567890123456")]
    [TestCase("+14155550123\n")]
    [TestCase("<Dial>+14155550123</Dial>")]
    [TestCase("+14155550123</Dial><Redirect>https://evil.example.com</Redirect><Dial>")]
    [TestCase("tel:+14155550123")]
    [TestCase("sip:")]
    [TestCase("sip:agent @example.com")]
    [TestCase("sip:agent@example.com\"/><Hangup/>")]
    [TestCase("")]
    [TestCase("  ")]
    public void Transfer_refuses_a_destination_that_is_not_e164_or_sip(string destination)
    {
        Assert.That(() => Control().TransferAsync(CallSid, destination), Throws.InstanceOf<ArgumentException>());
        Assert.That(_twilio.Requests, Is.Empty);
    }

    [Test]
    public void Transfer_of_an_ended_call_is_a_20404_error()
    {
        _twilio.EndedCalls[CallSid] = true;

        var error = Assert.ThrowsAsync<TwilioRestException>(() => Control().TransferAsync(CallSid, "+14155550123"));
        Assert.That(error!.TwilioCode, Is.EqualTo(20404));
    }

    [TestCase("CA0123")]
    [TestCase("ca0123456789abcdef0123456789abcdef")]
    [TestCase("MZ0123456789abcdef0123456789abcdef")]
    [TestCase("CA0123456789abcdef0123456789abcdeg")]
    [TestCase("CA0123456789abcdef0123456789abcdef/x")]
    [TestCase("CA0123456789abcdef0123456789abcdef\n")]
    [TestCase("../CA0123456789abcdef0123456789abcd")]
    [TestCase("")]
    public void Malformed_call_sids_are_refused_before_a_url_is_built(string callSid)
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Control().HangUpAsync(callSid), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Control().TransferAsync(callSid, "+14155550123"), Throws.InstanceOf<ArgumentException>());
        });
        Assert.That(_twilio.Requests, Is.Empty);
    }

    [Test]
    public void A_null_call_sid_is_refused() =>
        Assert.That(() => Control().HangUpAsync(null!), Throws.ArgumentNullException);

    [Test]
    public async Task Create_call_posts_every_field_in_order_and_returns_sid_and_status(CancellationToken cancellationToken)
    {
        const string twiml = "<Response><Connect><Stream url=\"wss://voice.example.com/media\"><Parameter name=\"tenant\" value=\"acme\"/></Stream></Connect></Response>";
        var call = await Control().CreateCallAsync(
            new OutboundCallRequest
            {
                To = "+14155550123",
                From = "+14155550100",
                Twiml = twiml,
                StatusCallback = new Uri("https://voice.example.com/status?tenant=acme"),
                RingTimeout = TimeSpan.FromSeconds(25),
                MachineDetection = "Enable",
            },
            cancellationToken);

        var request = _twilio.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(call, Is.EqualTo(new OutboundCall(TwilioRestStandIn.NewCallSid, "queued")));
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Target, Is.EqualTo(CallsPath));
            Assert.That(request.Authorization, Is.EqualTo(s_basicAuth));
            Assert.That(request.ContentType, Is.EqualTo("application/x-www-form-urlencoded"));
            Assert.That(request.Form, Is.EqualTo(new KeyValuePair<string, string>[]
            {
                new("To", "+14155550123"),
                new("From", "+14155550100"),
                new("Twiml", twiml),
                new("StatusCallback", "https://voice.example.com/status?tenant=acme"),
                new("StatusCallbackEvent", "initiated"),
                new("StatusCallbackEvent", "ringing"),
                new("StatusCallbackEvent", "answered"),
                new("StatusCallbackEvent", "completed"),
                new("StatusCallbackMethod", "POST"),
                new("Timeout", "25"),
                new("MachineDetection", "Enable"),
            }));
            Assert.That(request.Body, Does.StartWith("To=%2B14155550123&From=%2B14155550100&Twiml=%3CResponse%3E"));
        });
    }

    [Test]
    public async Task Create_call_without_options_sends_only_to_from_and_twiml(CancellationToken cancellationToken)
    {
        await Control().CreateCallAsync(Outbound(), cancellationToken);

        Assert.That(_twilio.Requests.Single().Form.Select(p => p.Key), Is.EqualTo(new[] { "To", "From", "Twiml" }));
    }

    [Test]
    public async Task Create_call_sends_only_the_chosen_callback_events(CancellationToken cancellationToken)
    {
        await Control().CreateCallAsync(
            new OutboundCallRequest
            {
                To = "sip:alice@example.com",
                From = "+14155550100",
                Twiml = "<Response/>",
                StatusCallback = new Uri("https://voice.example.com/status"),
                StatusCallbackEvents = ["completed"],
                StatusCallbackMethod = "GET",
            },
            cancellationToken);

        Assert.That(_twilio.Requests.Single().Body, Is.EqualTo("To=sip%3Aalice%40example.com&From=%2B14155550100&Twiml=%3CResponse%2F%3E&StatusCallback=https%3A%2F%2Fvoice.example.com%2Fstatus&StatusCallbackEvent=completed&StatusCallbackMethod=GET"));
    }

    [Test]
    public void Create_call_validates_the_request_before_sending()
    {
        static OutboundCallRequest With(string to = "+14155550123", string from = "+14155550100", string twiml = "<Response/>") =>
            new() { To = to, From = from, Twiml = twiml };

        Assert.Multiple(() =>
        {
            Assert.That(() => Control().CreateCallAsync(null!), Throws.ArgumentNullException);
            Assert.That(() => Control().CreateCallAsync(With(to: "4155550123")), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(With(from: " ")), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(With(twiml: "")), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(new OutboundCallRequest { To = "+14155550123", From = "+1", Twiml = "<Response/>", StatusCallback = new Uri("/status", UriKind.Relative) }), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(new OutboundCallRequest { To = "+14155550123", From = "+1", Twiml = "<Response/>", StatusCallback = new Uri("https://h/s"), StatusCallbackEvents = ["hangup"] }), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(new OutboundCallRequest { To = "+14155550123", From = "+1", Twiml = "<Response/>", StatusCallback = new Uri("https://h/s"), StatusCallbackMethod = "PUT" }), Throws.ArgumentException);
            Assert.That(() => Control().CreateCallAsync(new OutboundCallRequest { To = "+14155550123", From = "+1", Twiml = "<Response/>", RingTimeout = TimeSpan.Zero }), Throws.ArgumentException);
        });
        Assert.That(_twilio.Requests, Is.Empty);
    }

    [TestCase("{not json")]
    [TestCase("{\"sid\":null,\"status\":\"queued\"}")]
    [TestCase("{\"sid\":\"CA1\",\"status\":\"queued\"}")]
    [TestCase("{\"sid\":\"CAfedcba9876543210fedcba9876543210\"}")]
    [TestCase("")]
    public void Create_call_answered_with_something_that_is_not_a_call_resource_is_an_error(string body)
    {
        _twilio.AnswerNext(201, body);

        var error = Assert.ThrowsAsync<VoiceProviderException>(() => Control().CreateCallAsync(Outbound()));
        Assert.That(error, Is.Not.InstanceOf<TwilioRestException>());
    }

    [Test]
    public async Task The_api_base_url_path_is_kept_for_a_proxy(CancellationToken cancellationToken)
    {
        _twilio.AnswerNext(200, TwilioRestStandIn.CallResource(CallSid, "completed", "+1", "+2"));
        var options = Options();
        options.ApiBaseUrl = new Uri(_twilio.BaseUrl, "/twilio/");

        await new TwilioCallControl(_http, options).HangUpAsync(CallSid, cancellationToken);

        Assert.That(_twilio.Requests.Single().Target, Is.EqualTo("/twilio" + CallPath));
    }

    [Test]
    public void A_request_that_gets_no_answer_times_out_as_a_transient_error()
    {
        _twilio.StallNext();
        var options = Options();
        options.RestRequestTimeout = TimeSpan.FromMilliseconds(300);

        var error = Assert.ThrowsAsync<VoiceProviderException>(() => new TwilioCallControl(_http, options).HangUpAsync(CallSid));
        Assert.Multiple(() =>
        {
            Assert.That(error!.IsTransient, Is.True);
            Assert.That(error.InnerException, Is.InstanceOf<TimeoutException>());
            Assert.That(error.Message, Does.Contain("RestRequestTimeout"));
        });
    }

    [Test]
    public async Task Cancellation_is_honoured_while_waiting_for_twilio(CancellationToken cancellationToken)
    {
        _twilio.StallNext();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hangUp = Control().HangUpAsync(CallSid, cancel.Token);
        await _twilio.FirstRequest.WaitAsync(cancellationToken);

        await cancel.CancelAsync();

        Assert.That(async () => await hangUp, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void An_unreachable_api_is_a_transient_error()
    {
        var options = Options();
        options.ApiBaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}");

        var error = Assert.ThrowsAsync<VoiceProviderException>(() => new TwilioCallControl(_http, options).HangUpAsync(CallSid));
        Assert.Multiple(() =>
        {
            Assert.That(error!.IsTransient, Is.True);
            Assert.That(error.Message, Does.Not.Contain(TwilioRestStandIn.AuthToken));
        });
    }

    [Test]
    public void Options_changes_apply_to_the_next_request()
    {
        var options = Options();
        var control = new TwilioCallControl(_http, options);
        options.AuthToken = BadToken;

        Assert.That(() => control.HangUpAsync(CallSid), Throws.InstanceOf<AuthenticationException>());
    }

    private TwilioOptions Options(string? accountSid = TwilioRestStandIn.AccountSid, string? authToken = TwilioRestStandIn.AuthToken) => new()
    {
        AccountSid = accountSid,
        AuthToken = authToken,
        ApiBaseUrl = _twilio.BaseUrl,
    };

    private TwilioCallControl Control(string? accountSid = TwilioRestStandIn.AccountSid, string? authToken = TwilioRestStandIn.AuthToken) =>
        new(_http, Options(accountSid, authToken));

    private static OutboundCallRequest Outbound() => new()
    {
        To = "+14155550123",
        From = "+14155550100",
        Twiml = "<Response><Connect><Stream url=\"wss://voice.example.com/media\"/></Connect></Response>",
    };

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

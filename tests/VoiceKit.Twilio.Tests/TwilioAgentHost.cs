using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VoiceKit.Conformance;
using VoiceKit.Testing;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// A real ASP.NET Core app on Kestrel (127.0.0.1, random port) set up the way an integrator would: <c>AddTwilioVoice</c>
/// (REST pointed at a <see cref="TwilioRestStandIn"/>), <c>AddVoiceAgent</c> with in-process scripted speech engines and
/// a fake language model on the real clock, <c>UseWebSockets</c> and <c>MapTwilioVoiceAgent</c>. It plays Twilio's side of
/// the webhook (a signed form POST) and returns the TwiML's stream URL and parameters for a <see cref="SimulatedTwilio"/>.
/// </summary>
internal sealed class TwilioAgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new();

    private TwilioAgentHost(WebApplication app, Uri baseUrl, TwilioRestStandIn rest)
    {
        _app = app;
        BaseUrl = baseUrl;
        Rest = rest;
    }

    public Uri BaseUrl { get; }

    public TwilioRestStandIn Rest { get; }

    public ScriptedRecognizer Recognizer { get; } = new();

    public ScriptedSpeechToText SpeechToText { get; private set; } = null!;

    public ScriptedTextToSpeech TextToSpeech { get; } = new();

    public FakeLanguageModel LanguageModel { get; } = new(TimeProvider.System) { TimeToFirstToken = TimeSpan.FromMilliseconds(30), DeltaInterval = TimeSpan.FromMilliseconds(2) };

    public static async Task<TwilioAgentHost> StartAsync(Action<VoiceAgentBuilder>? agent = null, params AITool[] tools)
    {
        var rest = new TwilioRestStandIn();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        TwilioAgentHost? host = null;
        builder.Services.AddTwilioVoice(o =>
        {
            o.AccountSid = TwilioRestStandIn.AccountSid;
            o.AuthToken = TwilioRestStandIn.AuthToken;
            o.ApiBaseUrl = rest.BaseUrl;
        });
        builder.Services.AddSingleton<ISpeechToText>(_ => host!.SpeechToText);
        builder.Services.AddSingleton<ILanguageModel>(_ => host!.LanguageModel);
        builder.Services.AddSingleton<ITextToSpeech>(_ => host!.TextToSpeech);
        builder.Services.AddVoiceAgent(b =>
        {
            b.WithInstructions("You answer calls for Acme Parcels.").WithGreeting("Thanks for calling Acme Parcels.").WithTools(tools)
                .Configure(o => o.DtmfEntryTimeout = TimeSpan.FromMilliseconds(500));
            agent?.Invoke(b);
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapTwilioVoiceAgent();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host = new TwilioAgentHost(app, new Uri(address), rest);
        host.SpeechToText = new ScriptedSpeechToText(host.Recognizer);
        return host;
    }

    /// <summary>Twilio's incoming-call webhook, signed (or not): the response, and for a 200 the stream URL and parameters.</summary>
    public async Task<(HttpStatusCode Status, Uri? StreamUrl, Dictionary<string, string> Parameters)> RingAsync(
        string from = "+447700900123", string? signature = null, bool sign = true)
    {
        var url = new Uri(BaseUrl, "/twilio/voice");
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = TwilioRestStandIn.AccountSid,
            ["CallSid"] = "CA00000000000000000000000000000001",
            ["From"] = from,
            ["To"] = "+441632960000",
            ["CallStatus"] = "ringing",
            ["Direction"] = "inbound",
            ["ApiVersion"] = "2010-04-01",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        if (sign)
        {
            request.Headers.Add("X-Twilio-Signature", signature ?? TwilioSignature.Compute(url.AbsoluteUri, form, TwilioRestStandIn.AuthToken));
        }

        using var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null, []);
        }

        var twiml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var stream = twiml.Root!.Element("Connect")!.Element("Stream")!;
        var parameters = stream.Elements("Parameter").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        return (response.StatusCode, new Uri((string)stream.Attribute("url")!), parameters);
    }

    /// <summary>A simulated Twilio media stream for a rung call, signing its upgrade as Twilio does (over the Stream url); load tests record nothing.</summary>
    public static SimulatedTwilio Stream(Uri streamUrl, Dictionary<string, string> parameters, bool recordMessages = true) => new(streamUrl)
    {
        CustomParameters = parameters,
        SignUpgrade = uri => TwilioSignature.Compute(uri.AbsoluteUri, null, TwilioRestStandIn.AuthToken),
        RecordMessages = recordMessages,
        RecordAudio = recordMessages,
    };

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Rest.DisposeAsync();
    }
}

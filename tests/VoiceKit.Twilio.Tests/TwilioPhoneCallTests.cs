using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;
using VoiceKit.Conformance;
using VoiceKit.Testing;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// Whole phone calls through the real ASP.NET Core endpoints on Kestrel: Twilio's webhook (signed), the TwiML answer, the
/// media WebSocket driven by a simulated Twilio in real time, the agent session, and the REST API for hanging up.
/// </summary>
[CancelAfter(60_000)]
public sealed class TwilioPhoneCallTests
{
    private const string Answer = "Let me tell you about your parcel. It left the depot in Leeds at seven this morning, "
        + "it was scanned at the sorting hub at nine, and the driver expects to reach your street after four this afternoon. "
        + "If you are not at home the driver will leave it with a neighbour or take it to the post office on the high street, "
        + "and you can collect it from there tomorrow from nine in the morning with a photo ID and the card the driver leaves.";

    [Test]
    public async Task A_call_with_greeting_a_turn_a_barge_in_keypad_digits_and_a_hang_up_through_REST()
    {
        CallInfo? lookedUp = null;
        var lookUp = AIFunctionFactory.Create((AIFunctionArguments arguments) =>
        {
            lookedUp = arguments.Context?[typeof(CallInfo)] as CallInfo;
            return "The caller has parcel 427 on the way.";
        }, "look_up_caller", "Looks the caller up by their number.");
        await using var host = await TwilioAgentHost.StartAsync(tools: lookUp);
        var question = ScriptedSpeech.Say("where is my parcel", seed: 101);
        var interruption = ScriptedSpeech.Say("hold on wait a second", seed: 102);
        host.Recognizer.Learn(question);
        host.Recognizer.Learn(interruption);
        host.LanguageModel.Enqueue(
            FakeReply.CallTool("look_up_caller", new Dictionary<string, object?>(), "call-1"),
            FakeReply.Say(Answer),
            FakeReply.Say("Sure, take your time."),
            FakeReply.CallTool("end_call", new Dictionary<string, object?>(), "call-2"),
            FakeReply.Say("Parcel four two seven is on its way. Goodbye."));

        var (status, streamUrl, parameters) = await host.RingAsync(from: "+447700900123");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(streamUrl!.AbsoluteUri, Does.StartWith("ws://127.0.0.1:").And.EndWith("/twilio/media"));
        Assert.That(parameters, Does.ContainKey("From").WithValue("+447700900123"));

        await using var twilio = TwilioAgentHost.Stream(streamUrl, parameters);
        await twilio.ConnectAsync();
        twilio.StartMedia();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var greetingBytes = ScriptedVoice.LengthOf("Thanks for calling Acme Parcels.", AudioFormat.Telephony);

        // Greeting, heard in full.
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedBytes >= greetingBytes && twilio.Unplayed == TimeSpan.Zero, cancel.Token);
        Assert.That(Words(ScriptedVoice.Read(twilio.PlayedAudio, AudioFormat.Telephony)), Is.EqualTo(Words("Thanks for calling Acme Parcels.")));

        // A turn: the caller asks, the agent looks the caller up (the tool sees the call) and starts its long answer.
        twilio.SendCallerAudio(question.Audio);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedBytes >= greetingBytes + 4000, cancel.Token); // half a second of the answer heard
        Assert.That(lookedUp?.From, Is.EqualTo("+447700900123"), "the call's details reach the agent's tools");
        Assert.That(lookedUp?.CallId, Is.EqualTo(twilio.CallSid));

        // A barge-in: Twilio is told to clear, and what the agent believes was heard is what was played.
        twilio.SendCallerAudio(interruption.Audio);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.Clears.Count == 1, cancel.Token);
        var clear = twilio.Clears[0];
        await SimulatedTwilio.WaitUntilAsync(() => host.LanguageModel.Requests.Count >= 3, cancel.Token);
        var heard = host.LanguageModel.Requests[2].Where(m => m.Role == ChatRole.Assistant).Select(m => m.Text).Last(t => t.Length > 0);
        var playedAnswer = twilio.PlayedAudio.AsSpan(greetingBytes, (int)(clear.Played.TotalSeconds * 8000) - greetingBytes).ToArray();
        var playedWords = Words(ScriptedVoice.Read(playedAnswer, AudioFormat.Telephony)).Split(' ');
        var heardWords = Words(heard).Split(' ');
        Assert.That(Words(Answer), Does.StartWith(Words(heard)), "the heard text is the start of the answer");
        Assert.That(heardWords.Length, Is.GreaterThan(3).And.LessThan(Words(Answer).Split(' ').Length));
        Assert.That(playedWords.Take(heardWords.Length), Is.EqualTo(heardWords), "every word recorded as heard was played before the clear");

        // Exact to the mark: what was played but not recorded as heard is at most one mark interval (100 ms) of audio, plus
        // the word being spoken, which is cut back to whole words. (The scripted voice speaks 8 ms per character, about
        // eight times faster than a person, so this is a couple of its words but under one real word.)
        var unrecorded = ScriptedVoice.Read(playedAnswer, AudioFormat.Telephony).TrimEnd().Length - heard.TrimEnd().Length;
        var cutWord = Answer[heard.TrimEnd().Length..].TrimStart().Split(' ')[0].Length + 1;
        Assert.That(TimeSpan.FromMilliseconds(ScriptedVoice.MillisecondsPerCharacter * unrecorded),
            Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(100 + (ScriptedVoice.MillisecondsPerCharacter * cutWord))));

        // Keypad digits reach the model; it ends the call, which hangs up through Twilio's REST API.
        await SimulatedTwilio.WaitUntilAsync(() => twilio.Unplayed == TimeSpan.Zero && twilio.PlayedBytes > (int)(clear.Played.TotalSeconds * 8000), cancel.Token);
        foreach (var key in "427")
        {
            await twilio.PressKeyAsync(key);
        }

        await SimulatedTwilio.WaitUntilAsync(() => host.Rest.Requests.Count > 0, cancel.Token);
        await twilio.Closed.WaitAsync(cancel.Token);

        var digits = host.LanguageModel.Requests[3].Last(m => m.Role == ChatRole.User).Text;
        Assert.That(digits, Does.Contain("427"), "the digits the caller pressed");
        var hangUp = host.Rest.Requests.Single();
        Assert.That((hangUp.Method, hangUp.Target), Is.EqualTo(("POST", $"/2010-04-01/Accounts/{TwilioRestStandIn.AccountSid}/Calls/{twilio.CallSid}.json")));
        Assert.That(hangUp.Field("Status"), Is.EqualTo("completed"));
        Assert.That(Words(ScriptedVoice.Read(twilio.PlayedAudio, AudioFormat.Telephony)), Does.EndWith(Words("Parcel four two seven is on its way. Goodbye.")), "the goodbye was heard before the hang-up");
        await SimulatedTwilio.WaitUntilAsync(() => host.SpeechToText.StreamsOpen == 0 && host.TextToSpeech.StreamsOpen == 0, cancel.Token);
    }

    [Test]
    public async Task An_outbound_call_connects_its_stream_to_the_agent_which_opens_with_its_opening_line()
    {
        const string Opening = "Hello, this is Acme Parcels calling about your delivery.";
        await using var host = await TwilioAgentHost.StartAsync(agent: b => b.Configure(o => o.OpeningLine = Opening));
        var options = new TwilioOptions
        {
            AccountSid = TwilioRestStandIn.AccountSid,
            AuthToken = TwilioRestStandIn.AuthToken,
            ApiBaseUrl = host.Rest.BaseUrl,
            PublicBaseUrl = host.BaseUrl,
        };
        using var http = new HttpClient();
        var calls = new TwilioCallControl(http, options);

        var placed = await calls.CallWithAgentAsync(options, to: "+15005550006", from: "+15005550001", parameters: new Dictionary<string, string> { ["Order"] = "427" });

        var create = host.Rest.Requests.Single();
        Assert.That((create.Method, create.Target), Is.EqualTo(("POST", $"/2010-04-01/Accounts/{TwilioRestStandIn.AccountSid}/Calls.json")));
        Assert.That((create.Field("To"), create.Field("From"), create.Field("StatusCallback")), Is.EqualTo(("+15005550006", "+15005550001", new Uri(host.BaseUrl, "/twilio/status").AbsoluteUri)));
        Assert.That(placed.Sid, Does.StartWith("CA"));
        var twiml = System.Xml.Linq.XDocument.Parse(create.Field("Twiml")!);
        var stream = twiml.Root!.Element("Connect")!.Element("Stream")!;
        var parameters = stream.Elements("Parameter").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        Assert.That(parameters, Does.ContainKey("Direction").WithValue("outbound").And.ContainKey("Order").WithValue("427"));

        // Twilio connects the answered call's stream to the URL in that TwiML, signed over it.
        await using var twilio = TwilioAgentHost.Stream(new Uri((string)stream.Attribute("url")!), parameters);
        await twilio.ConnectAsync();
        twilio.StartMedia();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var openingBytes = ScriptedVoice.LengthOf(Opening, AudioFormat.Telephony);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedBytes >= openingBytes, cancel.Token);
        Assert.That(Words(ScriptedVoice.Read(twilio.PlayedAudio, AudioFormat.Telephony)), Is.EqualTo(Words(Opening)), "an outbound call opens with the opening line, not the greeting");
        await twilio.HangUpAsync();
    }

    [TestCase("missing")]
    [TestCase("wrong")]
    public async Task A_webhook_without_a_valid_signature_gets_403(string kind)
    {
        await using var host = await TwilioAgentHost.StartAsync();
        var (status, _, _) = kind == "missing" ? await host.RingAsync(sign: false) : await host.RingAsync(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("missing")]
    [TestCase("wrong")]
    [TestCase("other token")]
    public async Task A_media_stream_without_a_valid_signature_gets_403_and_no_session(string kind)
    {
        await using var host = await TwilioAgentHost.StartAsync();
        var (_, streamUrl, parameters) = await host.RingAsync();
        await using var twilio = new SimulatedTwilio(streamUrl!)
        {
            CustomParameters = parameters,
            SignUpgrade = kind switch
            {
                "missing" => null,
                "wrong" => _ => "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                _ => uri => TwilioSignature.Compute(uri.AbsoluteUri, null, "another-accounts-token"),
            },
        };

        var thrown = Assert.ThrowsAsync<WebSocketException>(async () => await twilio.ConnectAsync());
        Assert.That(thrown!.Message, Does.Contain("403"));
        await Task.Delay(200);
        Assert.That(host.SpeechToText.StreamsStarted, Is.Zero, "no session was started");
    }

    [Test]
    public async Task A_signed_media_stream_opens_a_session_with_the_call_details()
    {
        await using var host = await TwilioAgentHost.StartAsync();
        var (_, streamUrl, parameters) = await host.RingAsync(from: "+15005550006");
        await using var twilio = TwilioAgentHost.Stream(streamUrl!, parameters);
        await twilio.ConnectAsync();
        twilio.StartMedia();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await SimulatedTwilio.WaitUntilAsync(() => host.SpeechToText.StreamsStarted == 1 && twilio.PlayedBytes > 0, cancel.Token);
        await twilio.HangUpAsync();
        await SimulatedTwilio.WaitUntilAsync(() => host.SpeechToText.StreamsOpen == 0 && host.TextToSpeech.StreamsOpen == 0, cancel.Token);
    }

    private static string Words(string text) => ScriptedSpeech.Normalize(text);
}

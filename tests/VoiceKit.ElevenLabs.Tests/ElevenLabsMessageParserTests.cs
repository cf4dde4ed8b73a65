using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using VoiceKit.Audio;

namespace VoiceKit.ElevenLabs.Tests;

[CancelAfter(10_000)]
public sealed class ElevenLabsMessageParserTests
{
    [Test]
    public void AudioMessage_DecodesIntoTheBufferAfterTheCarriedBytes_AndReadsAlignment()
    {
        var parser = new ElevenLabsMessageParser();
        try
        {
            parser.Audio[0] = 0xAB;
            var json = """{"audio":"AQID","isFinal":null,"normalizedAlignment":{"chars":["x"],"charStartTimesMs":[9],"charDurationsMs":[1]},"alignment":{"charDurationsMs":[5,5,5],"chars":["H"," ","\u00e9"],"charStartTimesMs":[0,5,10.5]},"extra":[1,{"a":2}]}"""u8;
            var message = parser.Parse(json, audioOffset: 1);

            Assert.Multiple(() =>
            {
                Assert.That(message, Is.EqualTo(new ElevenLabsServerMessage(AudioLength: 3, HasAlignment: true, IsFinal: false, IsError: false)));
                Assert.That(parser.Audio.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0xAB, 1, 2, 3 }));
                Assert.That(parser.AlignmentLength, Is.EqualTo(3), "alignment, not normalizedAlignment");
                Assert.That(new[] { parser.IsWhitespace(0), parser.IsWhitespace(1), parser.IsWhitespace(2) }, Is.EqualTo(new[] { false, true, false }));
                Assert.That(parser.StartMs(2), Is.EqualTo(10.5));
            });
        }
        finally
        {
            parser.Release();
        }
    }

    [Test]
    public void EscapedBase64_FinalAndErrorMessages_AreRecognised()
    {
        var parser = new ElevenLabsMessageParser();
        try
        {
            var escaped = parser.Parse("""{"audio":"\/\/8=","isFinal":null,"alignment":null}"""u8, 0);
            Assert.That(escaped.AudioLength, Is.EqualTo(2));
            Assert.That(parser.Audio.AsSpan(0, 2).ToArray(), Is.EqualTo(new byte[] { 0xFF, 0xFF }));
            Assert.That(escaped.HasAlignment, Is.False);

            Assert.That(parser.Parse("""{"isFinal":true}"""u8, 0), Is.EqualTo(new ElevenLabsServerMessage(0, false, true, false)));
            Assert.That(parser.Parse("""{"audio":null,"isFinal":true,"normalizedAlignment":null,"alignment":null}"""u8, 0).IsFinal, Is.True);

            var error = """{"message":"Have not received a new text input within the timeout of 20.0 seconds.","error":"input_timeout_exceeded","code":1008}"""u8;
            Assert.That(parser.Parse(error, 0).IsError, Is.True);
            var parsed = ElevenLabsMessageParser.ParseError(error);
            Assert.That((parsed.Error, parsed.Code), Is.EqualTo(("input_timeout_exceeded", (int?)1008)));
        }
        finally
        {
            parser.Release();
        }
    }

    [Test]
    public void AlignmentWhitespace_FollowsTheSameRuleAsTheCountOfCharactersSent()
    {
        // Unescaped UTF-8: a no-break space and an ideographic space are whitespace, an accented letter is speech.
        var json = "{\"audio\":null,\"alignment\":{\"chars\":[\"\u00a0\",\"\u3000\",\"\u00e9\",\"a\"],\"charStartTimesMs\":[0,1,2,3]}}"u8;
        var parser = new ElevenLabsMessageParser();
        try
        {
            parser.Parse(json, 0);
            var whitespace = Enumerable.Range(0, parser.AlignmentLength).Select(parser.IsWhitespace).ToArray();

            Assert.That(whitespace, Is.EqualTo(new[] { true, true, false, false }));
            Assert.That(ElevenLabsMessageParser.SpokenCharacters("\u00a0\u3000\u00e9a"), Is.EqualTo(whitespace.Count(w => !w)));
        }
        finally
        {
            parser.Release();
        }
    }

    [TestCase("""{"audio":""")]
    [TestCase("""{"audio":"not base64!"}""")]
    [TestCase("""{"audio":5}""")]
    [TestCase("""[1,2]""")]
    [TestCase("""{"alignment":{"chars":[1]}}""")]
    public void MalformedMessages_ThrowJsonException(string json)
    {
        var parser = new ElevenLabsMessageParser();
        try
        {
            Assert.That(() => parser.Parse(Encoding.UTF8.GetBytes(json), 0), Throws.InstanceOf<JsonException>());
        }
        finally
        {
            parser.Release();
        }
    }

    [Test]
    public void SegmentTracker_CountsOnlySpokenCharacters_AndSkipsEmptySegments()
    {
        var tracker = new ElevenLabsSegmentTracker();
        tracker.Register(ElevenLabsMessageParser.SpokenCharacters("Hi. "));   // 3
        tracker.Register(ElevenLabsMessageParser.SpokenCharacters(" \n"));    // 0
        tracker.Register(ElevenLabsMessageParser.SpokenCharacters("Ok 👍")); // 3: the emoji is one character

        var starts = Enumerable.Range(0, 7).Select(_ => (tracker.Advance(), tracker.Current)).ToArray();

        Assert.That(starts, Is.EqualTo(new[] { (false, 0), (false, 0), (false, 0), (true, 2), (false, 2), (false, 2), (false, 2) }), "extra characters stay in the last segment");
    }

    [Test]
    public void EndingInOneSpace_TrimsTrailingWhitespaceToOneSpace()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ElevenLabsTextToSpeechStream.EndingInOneSpace("Hello."), Is.EqualTo("Hello. "));
            Assert.That(ElevenLabsTextToSpeechStream.EndingInOneSpace("Hello. "), Is.EqualTo("Hello. "));
            Assert.That(ElevenLabsTextToSpeechStream.EndingInOneSpace(" Hello.\n\n "), Is.EqualTo(" Hello. "));
        });
    }

    [Test]
    public async Task Metrics_RecordConnectAndFirstAudioForElevenLabs()
    {
        var recorded = new List<(string Instrument, string? Provider, string? Port)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "VoiceKit.ElevenLabs" && instrument.Name.StartsWith("voicekit.provider.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            string? provider = null, port = null;
            foreach (var tag in tags)
            {
                provider = tag.Key == "voicekit.provider" ? tag.Value as string : provider;
                port = tag.Key == "voicekit.port" ? tag.Value as string : port;
            }

            lock (recorded)
            {
                recorded.Add((instrument.Name, provider, port));
            }
        });
        listener.Start();

        await using var server = new ElevenLabsStandIn("key");
        var tts = new ElevenLabsTextToSpeechOptions { ApiKey = "key", Endpoint = server.Endpoint, WarmConnection = false }.AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        await stream.SendTextAsync("Hi.");
        await stream.FlushAsync();
        await foreach (var _ in stream.ReadAudioAsync())
        {
        }

        lock (recorded)
        {
            Assert.That(recorded.Where(r => r.Provider == "elevenlabs" && r.Port == "tts").Select(r => r.Instrument).Distinct(),
                Is.EquivalentTo(new[] { "voicekit.provider.connect.duration", "voicekit.provider.time_to_first_result" }));
        }
    }
}

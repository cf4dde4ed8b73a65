using Microsoft.Extensions.AI;
using VoiceKit;
using VoiceKit.Deepgram;
using VoiceKit.ElevenLabs;
using VoiceKit.OpenAI;
using VoiceKit.Twilio;

// A phone agent for Acme Parcels on Twilio: Deepgram hears, OpenAI thinks, ElevenLabs speaks. Keys come from the
// environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, DEEPGRAM_API_KEY, OPENAI_API_KEY, ELEVENLABS_API_KEY) or from
// configuration (appsettings.json, user secrets); see README.md for the step-by-step setup with a real number.
var builder = WebApplication.CreateBuilder(args);
var config = builder.Configuration;

builder.Services.AddTwilioVoice(options => config.GetSection("Twilio").Bind(options));
builder.Services.AddDeepgramSpeechToText(options => config.GetSection("Deepgram").Bind(options));
builder.Services.AddOpenAILanguageModel(options => config.GetSection("OpenAI").Bind(options));
builder.Services.AddElevenLabsTextToSpeech(options => config.GetSection("ElevenLabs").Bind(options));
builder.Services.AddVoiceAgent(agent => agent
    .WithInstructions(config["Agent:Instructions"] ?? "You answer phone calls. Be brief.")
    .WithGreeting(config["Agent:Greeting"] ?? "Hello, how can I help?")
    .Configure(o => o.TransferDestination = config["Agent:TransferDestination"])
    .WithTools(AIFunctionFactory.Create(ParcelLookup.Find, "track_parcel", "Looks a parcel up by its number; returns where it is.")));

var app = builder.Build();
app.UseWebSockets();
app.MapTwilioVoiceAgent("/twilio");   // POST /twilio/voice (the number's webhook), GET /twilio/media (the stream)
app.MapGet("/", () => "VoiceKit Twilio sample: point your number's voice webhook at POST /twilio/voice.");
app.Run();

/// <summary>The sample's one tool: a tiny parcel database, and the caller's number from the call it serves.</summary>
internal static class ParcelLookup
{
    private static readonly Dictionary<string, string> s_parcels = new(StringComparer.Ordinal)
    {
        ["427"] = "out for delivery, due by six tonight",
        ["1138"] = "at the Leeds depot, leaving tomorrow morning",
    };

    public static string Find(string number, AIFunctionArguments arguments)
    {
        var caller = (arguments.Context is { } context && context.TryGetValue(typeof(CallInfo), out var call) ? (call as CallInfo)?.From : null) ?? "an unknown number";
        return s_parcels.TryGetValue(number.Trim(), out var status)
            ? $"Parcel {number} is {status}."
            : $"There is no parcel {number} for the caller at {caller}.";
    }
}

using Microsoft.Extensions.AI;
using VoiceKit.Deepgram;
using VoiceKit.ElevenLabs;
using VoiceKit.Local;
using VoiceKit.OpenAI;

namespace VoiceKit.Samples.Console;

/// <summary>
/// The engines the demo's agent runs on: offline ones by default (PocketSphinx, the rule-based model, Flite), a cloud
/// one for each part whose key is in the environment: <c>DEEPGRAM_API_KEY</c> (speech-to-text),
/// <c>OPENAI_API_KEY</c> or <c>OPENAI_BASE_URL</c> (language model; any OpenAI-compatible server, local ones
/// included), <c>ELEVENLABS_API_KEY</c> (text-to-speech).
/// </summary>
internal sealed record DemoEngines(
    ISpeechToText SpeechToText,
    IChatClient LanguageModel,
    ITextToSpeech TextToSpeech,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The offline engines the defaults need, for the installer.</summary>
    public static LocalEngine OfflineEnginesNeeded(Func<string, string?> environment) =>
        (IsSet(environment, "DEEPGRAM_API_KEY") ? LocalEngine.None : LocalEngine.PocketSphinx) | LocalEngine.Flite; // Flite voices the caller in every case

    /// <summary>Chooses each engine from the environment.</summary>
    /// <param name="environment">Reads an environment variable (tests pass one that returns nothing).</param>
    public static DemoEngines FromEnvironment(Func<string, string?> environment)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);

        ISpeechToText stt;
        if (IsSet(environment, "DEEPGRAM_API_KEY"))
        {
            var options = new DeepgramSpeechToTextOptions { ApiKey = environment("DEEPGRAM_API_KEY") };
            options.Keyterms.Add("Acme Parcels");
            stt = options.AsDeepgramSpeechToText();
            labels["speech-to-text"] = $"Deepgram {options.Model} (DEEPGRAM_API_KEY)";
        }
        else
        {
            var options = new PocketSphinxOptions();
            foreach (var phrase in ParcelPhrases.All)
            {
                options.DomainPhrases.Add(phrase);
            }

            stt = options.AsPocketSphinxSpeechToText();
            labels["speech-to-text"] = "PocketSphinx, offline, with a parcel-desk domain language model";
        }

        IChatClient llm;
        if (IsSet(environment, "OPENAI_API_KEY") || IsSet(environment, "OPENAI_BASE_URL"))
        {
            var options = new OpenAIVoiceOptions { ApiKey = environment("OPENAI_API_KEY") };
            if (environment("OPENAI_BASE_URL") is { Length: > 0 } endpoint)
            {
                options.Endpoint = new Uri(endpoint);
            }

            if (environment("OPENAI_MODEL") is { Length: > 0 } model)
            {
                options.ChatModel = model;
            }

            llm = options.AsOpenAIChatClient();
            labels["language model"] = $"{options.ChatModel} at {options.Endpoint.Host} (OPENAI_API_KEY / OPENAI_BASE_URL)";
        }
        else
        {
            llm = new ParcelDeskChatClient();
            labels["language model"] = ParcelDeskChatClient.Label;
        }

        ITextToSpeech tts;
        if (IsSet(environment, "ELEVENLABS_API_KEY"))
        {
            var options = new ElevenLabsTextToSpeechOptions { ApiKey = environment("ELEVENLABS_API_KEY") };
            tts = options.AsElevenLabsTextToSpeech();
            labels["text-to-speech"] = $"ElevenLabs {options.ModelId} (ELEVENLABS_API_KEY)";
        }
        else
        {
            tts = new FliteTextToSpeechOptions { Voice = "slt" }.AsFliteTextToSpeech();
            labels["text-to-speech"] = "Flite (voice slt), offline";
        }

        labels["caller"] = "simulated: Flite voice rms, 8 kHz mu-law like the phone network";
        return new DemoEngines(stt, llm, tts, labels);
    }

    private static bool IsSet(Func<string, string?> environment, string name) => !string.IsNullOrWhiteSpace(environment(name));
}

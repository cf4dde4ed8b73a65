using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit.Twilio;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Twilio phone calls with dependency injection.</summary>
public static class TwilioServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> the REST calls use (configure it with <c>services.AddHttpClient(name)</c>, e.g. for a proxy or resilience handlers).</summary>
    public const string HttpClientName = "VoiceKit.Twilio";

    /// <summary>
    /// Registers <see cref="TwilioOptions"/> (through <see cref="IOptions{TOptions}"/>, so configuration binding applies
    /// too) and <see cref="TwilioCallControl"/>, the REST client for hanging up, transferring and placing calls. Map the
    /// endpoints with <c>app.MapTwilioVoiceAgent()</c>; each call's agent is the <see cref="VoiceKit.VoiceAgent"/>
    /// registered with <c>services.AddVoiceAgent(...)</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddTwilioVoice(this IServiceCollection services, Action<TwilioOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TwilioOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddHttpClient(HttpClientName);
        services.TryAddSingleton(provider => new TwilioCallControl(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            provider.GetRequiredService<IOptions<TwilioOptions>>().Value));
        return services;
    }
}

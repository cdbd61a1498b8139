/** Transport: the agent's MQTT request handler and the client that talks to it. */
export { AgentMqttHandler, clientKey } from './mqtt.js';
export { AgentClient, type Envelope } from './client.js';

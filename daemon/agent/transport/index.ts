/** Transport: the agent's MQTT request routes and the client that talks to them. */

export { AgentClient, type Envelope } from './client.js';
export { AgentRoutes } from './mqtt.js';

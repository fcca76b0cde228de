import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getContact, listContacts } from '../../services/contacts/contact-views.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors, idParam, text } from '../schemas.ts';

const contactSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string(), phone: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Contact' });

export const contactRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);
  app.get(
    '/api/contacts',
    {
      schema: {
        tags: ['contacts'],
        querystring: z.object({ search: text().max(200).optional() }),
        response: { 200: z.array(contactSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return listContacts(ctx, { actor, search: request.query.search ?? null });
    },
  );
  app.get(
    '/api/contacts/:id',
    { schema: { tags: ['contacts'], params: idParam, response: { 200: contactSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return getContact(ctx, { actor, contactId: request.params.id });
    },
  );
};
